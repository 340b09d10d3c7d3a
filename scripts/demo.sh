#!/usr/bin/env bash
# The demo, on a fresh Debian/Ubuntu machine as root: installs what is missing, builds, then runs
# `eip-lab demo`: the whole system in network namespaces (real MariaDB, keepalived, agent and
# controller; only AWS emulated), a client writing through the EIP, and the writer powered off.
# Extra arguments go to `eip-lab demo` (e.g. --fault kill-mysqld, --json). `eip-lab down` removes it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build
echo
echo "== eip-lab demo: fail the writer, watch the EIP follow, count what the client lost =="
node bin/eip-lab.cjs demo "$@"
echo
node bin/eip-lab.cjs status
echo "(the lab keeps running: node bin/eip-lab.cjs fail|heal|status|down --help)"
