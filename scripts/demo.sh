#!/usr/bin/env bash
# The demo, on a fresh Debian/Ubuntu machine as root. Installs what is missing first.
# Until the lab (eip-lab, issue 5) lands, this runs the node-side demonstration: two namespaces
# with real MariaDB (master-master), real keepalived and the real agent daemons, failing the
# writer in several ways and showing the events and the fencing that follow.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build
echo
echo "== node-side demonstration: keepalived + MariaDB + eip-agent in network namespaces =="
npx jest --selectProjects integration --verbose test/integration/agent-daemon
