#!/usr/bin/env bash
# `npm test`: installs what the tests need (npm dependencies with the pinned Node 24, the real servers, the Debian
# packages the e2e tests use: iptables, iproute2), then runs
# every vitest project — unit tests beside the code and the e2e scenarios against real servers — and writes the
# JSON report to reports/vitest.json. Extra arguments go to vitest: `npm test -- libs/snapshot`, `npm test -- -t "resumes"`.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
bash scripts/ensure-deps.sh
export PATH="$repo/node_modules/.bin:$PATH"
bash scripts/servers/install.sh >/dev/null
bash scripts/servers/install-debian.sh
mkdir -p reports
rm -f reports/vitest.json
status=0
vitest run --reporter=default --reporter=json --outputFile.json=reports/vitest.json "$@" || status=$?
node scripts/test-summary.mjs reports/vitest.json || status=1
exit "$status"
