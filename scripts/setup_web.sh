#!/usr/bin/env bash
# Install the web page's npm packages (web/package-lock.json, exact versions) into web/node_modules.
# Idempotent: when web/node_modules matches the lock file it returns at once without touching npm.
set -euo pipefail
cd "$(dirname "$0")/../web"

STAMP=node_modules/.installed-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  cat >&2 <<'MSG'
error: npm was not found. The clinic web page needs Node.js and npm to install its one browser
package (socket.io-client). On Debian or Ubuntu:  apt-get install -y nodejs npm
MSG
  exit 1
fi
echo "setup: installing the web page's npm packages from web/package-lock.json"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$STAMP"
