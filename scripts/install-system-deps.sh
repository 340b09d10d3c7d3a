#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the lab and the tests drive for real, when missing.
# Idempotent; needs root (CI and the lab run as root).
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
have keepalived || need+=(keepalived)
have mariadbd || need+=(mariadb-server)
have mariadb || need+=(mariadb-client)
have nft || need+=(nftables)
have conntrack || need+=(conntrack)
have ip || need+=(iproute2)
have aws || need+=(awscli)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${need[*]}; run this script as root (or: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Do not let package scripts start system-wide daemons: the tests start their own instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
[ "$created_policy" = 1 ] && rm -f "$policy"
echo "system packages: installed ${need[*]}"
