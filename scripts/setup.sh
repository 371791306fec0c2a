#!/usr/bin/env bash
# Set up everything the site and the tests need: Graphviz (Debian package) and a Python venv in .venv.
# With --tests, also what only the tests need (requirements-tests.txt, a browser, LaTeX).
# Idempotent: a second run installs nothing unless the requirements or constraints changed.
set -euo pipefail
cd "$(dirname "$0")/.."

want_apt=()
command -v dot >/dev/null 2>&1 || want_apt+=(graphviz)
if [[ "${1:-}" == "--tests" ]]; then  # what only the tests need: a browser, LaTeX to compile the tables, biber
  command -v chromium >/dev/null 2>&1 || want_apt+=(chromium)
  command -v pdflatex >/dev/null 2>&1 || want_apt+=(texlive-latex-base texlive-latex-recommended)
  command -v biber >/dev/null 2>&1 || want_apt+=(biber)  # the citations are checked with biblatex's data model too
fi
if ((${#want_apt[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [[ "$(id -u)" == 0 ]] || SUDO="sudo"
    echo "setup: installing Debian packages: ${want_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${want_apt[@]}" >/dev/null
  else
    echo "setup: please install ${want_apt[*]} with your system's package manager (Graphviz provides 'dot')" >&2
    exit 1
  fi
fi

PYTHON="${PYTHON:-python3}"
if [[ ! -x .venv/bin/python ]]; then
  echo "setup: creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
fi
# TORCH_INDEX_URL (e.g. https://download.pytorch.org/whl/cpu): take torch and torchvision from that index first.
# PyTorch's CPU-only wheels leave out the ~3 GB of CUDA libraries (nvidia-*) that a CPU build never uses.
# Unset, everything comes from pip's configured index, as before.
TORCH_INDEX_URL="${TORCH_INDEX_URL:-}"
wanted=(requirements.txt)
[[ "${1:-}" == "--tests" ]] && wanted+=(requirements-tests.txt)
stamp=".venv/.installed-$({ cat "${wanted[@]}" constraints.txt; [[ -z "$TORCH_INDEX_URL" ]] || echo "$TORCH_INDEX_URL"; } | sha256sum | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  # a full disk would stop pip halfway with a traceback and leave .venv half installed: say so before starting
  need_gib=1  # an update next to an installed torch
  if ! compgen -G ".venv/lib/python*/site-packages/torch" >/dev/null; then
    need_gib=7; [[ -z "$TORCH_INDEX_URL" ]] || need_gib=3  # torch with its CUDA libraries, or PyTorch's CPU-only wheels
  fi
  free_gib=$(( $(df -Pk .venv | awk 'NR == 2 {print $4}') / 1024 / 1024 ))
  if (( free_gib < need_gib )); then
    echo "setup: only ${free_gib} GiB free on the disk that holds $(pwd)/.venv; installing the Python packages needs" \
      "about ${need_gib} GiB. Free some space and run this again (TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" \
      "leaves out ~3 GB of CUDA libraries where that index can be reached)." >&2
    exit 1
  fi
  echo "setup: installing Python packages (torch is large; the first run takes a few minutes)"
  if [[ -n "$TORCH_INDEX_URL" ]]; then
    # the pins of constraints.txt hold (2.14.1 accepts 2.14.1+cpu); their dependencies come from the usual index below
    .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --index-url "$TORCH_INDEX_URL" \
      -c constraints.txt torch torchvision
  fi
  .venv/bin/python -m pip install -q --disable-pip-version-check "${wanted[@]/#/-r}" -c constraints.txt
  rm -f .venv/.installed-*
  touch "$stamp"
fi
