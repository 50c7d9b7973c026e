#!/usr/bin/env bash
# Create the project's Python 3.10 virtual environment and install the locked dependencies.
# Idempotent: when .venv exists and requirements.lock has not changed since the last install, it
# returns in well under a second.
# `scripts/setup.sh VENV LOCK` does the same for a tool's own venv (e.g. .venv-audit from
# tools/audit/requirements.lock).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/python310.sh

VENV=${1:-.venv}
LOCK=${2:-requirements.lock}
STAMP="$VENV/.installed-lock.sha256"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  if ! PY=$(find_python310); then
    cat >&2 <<'EOF'
error: Python 3.10 was not found.
Rasa Open Source 3.6 runs on Python 3.10 only. Install it, for example with pyenv:
    pyenv install 3.10.13
or point PYTHON310 at a python3.10 binary:
    PYTHON310=/path/to/python3.10 make run
EOF
    exit 1
  fi
  echo "setup: creating $VENV with $PY"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

want=$(sha256sum "$LOCK" | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing locked dependencies from $LOCK (first run takes a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$LOCK"
  "$VENV/bin/python" -m pip check
  echo "$want" > "$STAMP"
fi
if [ "$VENV" = .venv ]; then
  "$VENV/bin/python" scripts/install_embedding_model.py
fi
