#!/usr/bin/env bash
# Set up, then run the whole test suite (unit, golden, integration and browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
export DISABLE_MKDOCS_2_WARNING=true NO_MKDOCS_2_WARNING=1
exec .venv/bin/python -m pytest "$@"
