#!/usr/bin/env bash
# `npm run demo`: Weft's main job on its embedded default (see e2e/src/demo/run-demo.ts). Installs what it needs
# (npm dependencies with Node 24, nats-server; kube-apiserver and etcd too with --cluster), then runs the demo.
#   npm run demo                 folder of manifests in .weft-demo/mesh, watched
#   npm run demo -- --cluster    the same against a real kube-apiserver
#   npm run demo -- --check      make one edit, print how long it took to reach both stores, exit
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/ensure-deps.sh
export PATH="$repo/node_modules/.bin:$PATH"
if [[ " $* " == *" --cluster "* ]]; then bash scripts/servers/install.sh nats-server kube-apiserver etcd gateway-api >/dev/null; else bash scripts/servers/install.sh nats-server >/dev/null; fi
exec node --import tsx --conditions=development e2e/src/demo/run-demo.ts "$@"
