#!/usr/bin/env bash
# Set up, then build the site into site/ (`scripts/site.sh serve` previews it at http://127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# ProperDocs is the maintained MkDocs 1.x; it reads mkdocs.yml unchanged (`mkdocs build` works too).
if [[ "${1:-build}" == "serve" ]]; then
  exec .venv/bin/properdocs serve -f mkdocs.yml "${@:2}"
fi
exec .venv/bin/properdocs build -f mkdocs.yml "${@:2}"
