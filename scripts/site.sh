#!/usr/bin/env bash
# Set up, then build the site into site/ (`scripts/site.sh serve` previews it at http://127.0.0.1:8000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export DISABLE_MKDOCS_2_WARNING=true NO_MKDOCS_2_WARNING=1
if [[ "${1:-build}" == "serve" ]]; then
  exec .venv/bin/mkdocs serve "${@:2}"
fi
exec .venv/bin/mkdocs build "${@:2}"
