#!/usr/bin/env bash
# Installs the node agent on an instance (run as root; the SSM association runs it).
# Idempotent: a second run with the same files changes nothing and says so.
#
#   install-agent.sh [--bundle FILE] [--units DIR] [--root DIR] [--no-systemctl]
#
#   --bundle FILE    the agent bundle (default: dist/eip-agent.cjs next to this script's repo)
#   --units DIR      the systemd files (default: systemd/ of the repo)
#   --root DIR       install below DIR instead of / (tests, image builds)
#   --no-systemctl   do not run systemctl daemon-reload / enable
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bundle="$here/dist/eip-agent.cjs"
units="$here/systemd"
root=""
systemctl_too=1
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle="$2"; shift 2 ;;
    --units) units="$2"; shift 2 ;;
    --root) root="${2%/}"; shift 2 ;;
    --no-systemctl) systemctl_too=0; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-agent.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for f in "$bundle" "$units/eip-agent.service" "$units/keepalived.service.d/eip-failover.conf"; do
  [ -f "$f" ] || { echo "install-agent.sh: missing $f (run 'npm run build' first for the bundle)" >&2; exit 2; }
done
head -c 64 "$bundle" | grep -q '^#!/usr/bin/env node' || { echo "install-agent.sh: $bundle is not the agent bundle" >&2; exit 2; }

changed=0
# Copies SRC to DEST with MODE only when the content differs; the rename makes it atomic.
place() {
  local src="$1" dest="$2" mode="$3"
  if [ -f "$dest" ] && cmp -s "$src" "$dest" && [ "$(stat -c %a "$dest")" = "${mode#0}" ]; then return 0; fi
  mkdir -p "$(dirname "$dest")"
  local tmp
  tmp=$(mktemp "$(dirname "$dest")/.install.XXXXXX")
  cp "$src" "$tmp"
  chmod "$mode" "$tmp"
  mv -f "$tmp" "$dest"
  echo "installed $dest"
  changed=1
}

place "$bundle" "$root/usr/local/bin/eip-agent" 0755
place "$units/eip-agent.service" "$root/etc/systemd/system/eip-agent.service" 0644
place "$units/keepalived.service.d/eip-failover.conf" "$root/etc/systemd/system/keepalived.service.d/eip-failover.conf" 0644
install -d -m 0755 "$root/etc/eip-failover"
install -d -m 0700 "$root/var/lib/eip-failover"

if [ "$systemctl_too" = 1 ] && [ -z "$root" ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  systemctl enable eip-agent.service >/dev/null
  [ "$changed" = 1 ] && systemctl try-restart eip-agent.service
fi
[ "$changed" = 1 ] || echo "eip-agent already installed and up to date; nothing changed"
