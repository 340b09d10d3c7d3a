#!/usr/bin/env bash
# Runs every test on a fresh Debian/Ubuntu machine as root: installs what is missing
# (system packages, npm packages), then type-check, lint, bundle and the whole jest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
npm ci --no-audit --no-fund
npm test
