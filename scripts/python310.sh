# Sourced by setup.sh and lock.sh: find_python310 prints a Python 3.10 interpreter or fails.
# Order: $PYTHON310, python3.10 on the PATH, then pyenv's 3.10 versions; each is run to check it.
find_python310() {
  local candidate
  for candidate in "${PYTHON310:-}" "$(command -v python3.10 || true)" \
      "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}
