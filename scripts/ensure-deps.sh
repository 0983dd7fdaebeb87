#!/usr/bin/env bash
# Installs the npm dependencies (and with them the pinned Node 24 runtime, the `node` devDependency) unless
# node_modules already matches package-lock.json. Idempotent: a second run is a hash comparison.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
stamp=node_modules/.weft-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x node_modules/.bin/node ]; then
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "weft: npm is missing: install Node.js with npm (any version >= 20; the project pins its own Node 24)" >&2; exit 1; }
echo "weft: installing npm dependencies (npm ci)" >&2
if ! npm ci --no-audit --no-fund >&2; then
  echo "weft: could not provide the npm dependencies: step 'npm ci' failed." >&2
  echo "how to fix: check that the npm registry is reachable ($(npm config get registry 2>/dev/null)) and that package-lock.json is committed and in sync with package.json" >&2
  exit 1
fi
v=$(node_modules/.bin/node --version) || { echo "weft: the pinned Node runtime (npm package 'node') did not install: node_modules/.bin/node is missing; run 'npm rebuild node'" >&2; exit 1; }
case $v in v24.*) ;; *) echo "weft: node_modules/.bin/node is $v, expected v24.x (package.json pins node@24)" >&2; exit 1 ;; esac
echo "$want" > "$stamp"
