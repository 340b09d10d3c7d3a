/**
 * The shell script the SSM document runs on each node (as root, through State Manager, one node
 * at a time). Idempotent: a rerun installs nothing new, rewrites no unchanged file and restarts
 * nothing that runs. `{{ Name }}` are SSM document parameters.
 *
 * With `nodes[].eipPrivateIp` it also puts that secondary address on the node's interface
 * (eip-private-address.ts) and has MariaDB listen on it: the EIP's traffic arrives there.
 *
 * Software: Debian 12 packages keepalived (2.2.7), mariadb-server (10.11), awscli, curl, gnupg;
 * Node.js 22 from NodeSource's apt repository, whose signing key is checked against a pinned
 * fingerprint before apt trusts it (apt then verifies every package against it).
 */
import type { ClusterConfig } from '../config/schema';
import { NODE_FACTS_JS, eipAddressStep } from './eip-private-address';

/** NodeSource's repository signing key (https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key). */
export const NODESOURCE_KEY_FINGERPRINT = '6F71F525282841EEDAF851B42F59B5F99B1BE0B4';
/** Node.js major version installed from NodeSource (>= 20 is what the agent needs). */
export const NODE_MAJOR = 22;
/** Where aws:downloadContent puts the agent package. */
export const DOWNLOAD_DIR = '/var/lib/eip-failover-install';

/** The document parameters the script reads. */
export const INSTALL_PARAMETERS = ['PackageUrl', 'ConfigParameter', 'Region', 'ReplicationSecret', 'HealthCheckSecret', 'ProbeSecret'] as const;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function installScript(config: ClusterConfig): string[] {
  const m = config.mysql;
  return [
    '#!/bin/bash',
    'set -euo pipefail',
    'export DEBIAN_FRONTEND=noninteractive',
    "REGION='{{ Region }}'",
    "CONFIG_PARAMETER='{{ ConfigParameter }}'",
    `DL=${q(DOWNLOAD_DIR)}`,
    'echo "== packages"',
    'need=()',
    'for p in keepalived mariadb-server awscli curl gnupg python3; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done',
    'if [ "${#need[@]}" -gt 0 ]; then apt-get update -q && apt-get install -y -q --no-install-recommends "${need[@]}"; else echo "packages present"; fi',
    `echo "== Node.js ${NODE_MAJOR} (NodeSource, key ${NODESOURCE_KEY_FINGERPRINT})"`,
    'if ! node --version 2>/dev/null | grep -qE "^v(2[0-9]|[3-9][0-9])\\."; then',
    '  install -d -m 0755 /etc/apt/keyrings',
    '  key=$(mktemp)',
    '  curl -fsSL --retry 3 https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key -o "$key"',
    '  fpr=$(gpg --show-keys --with-colons "$key" | awk -F: \'/^fpr/ {print $10; exit}\')',
    `  if [ "$fpr" != ${q(NODESOURCE_KEY_FINGERPRINT)} ]; then echo "NodeSource key fingerprint $fpr is not the pinned one; refusing" >&2; exit 1; fi`,
    '  gpg --dearmor < "$key" > /etc/apt/keyrings/nodesource.gpg && rm -f "$key"',
    `  echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_${NODE_MAJOR}.x nodistro main" > /etc/apt/sources.list.d/nodesource.list`,
    '  apt-get update -q && apt-get install -y -q nodejs',
    'fi',
    'node --version',
    'echo "== agent"',
    '# The newest download is this run\'s package (its name is the asset hash); older ones go.',
    'pkg=$(ls -1t "$DL"/*.zip 2>/dev/null | head -n 1 || true)',
    '[ -n "$pkg" ] || { echo "no agent package in $DL" >&2; exit 1; }',
    'rm -rf "$DL/package" && python3 -m zipfile -e "$pkg" "$DL/package"',
    'find "$DL" -maxdepth 1 -name "*.zip" ! -path "$pkg" -delete',
    'bash "$DL/package/install-agent.sh" --bundle "$DL/package/eip-agent.cjs" --units "$DL/package/systemd"',
    'echo "== passwords (Secrets Manager to files, mode 0600; never on a command line)"',
    'umask 077',
    'install -d -m 0755 /etc/eip-failover',
    'write_secret() {',
    '  local tmp; tmp=$(mktemp /etc/eip-failover/.secret.XXXXXX)',
    '  aws secretsmanager get-secret-value --region "$REGION" --secret-id "$1" --query SecretString --output text > "$tmp"',
    '  chmod 0600 "$tmp"',
    '  if [ -f "$2" ] && cmp -s "$tmp" "$2"; then rm -f "$tmp"; else mv -f "$tmp" "$2"; echo "wrote $2"; fi',
    '}',
    `write_secret '{{ ReplicationSecret }}' ${q(m.replicationPasswordFile)}`,
    `write_secret '{{ HealthCheckSecret }}' ${q(m.healthCheckPasswordFile)}`,
    `write_secret '{{ ProbeSecret }}' ${q(m.probePasswordFile)}`,
    'echo "== cluster config and keepalived.conf"',
    'eip-agent apply --config "ssm:$CONFIG_PARAMETER" --region "$REGION"',
    'token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 60")',
    'iid=$(curl -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id)',
    `facts=$(node -e ${q(NODE_FACTS_JS)} /etc/eip-failover/cluster.json "$iid") || { echo "instance $iid is not a node of the cluster config" >&2; exit 1; }`,
    'read -r node_id primary_ip eip_ip <<<"$facts"',
    'echo "this is node $node_id ($iid, $primary_ip)"',
    ...eipAddressStep(),
    'echo "== database"',
    'systemctl enable --now mariadb.service',
    '# MariaDB listens where the peer replicates from (the primary address) and where the EIP lands.',
    'bind="127.0.0.1,$primary_ip"; [ "$eip_ip" = "-" ] || bind="$bind,$eip_ip"',
    'eip-agent mysql-bootstrap --config /etc/eip-failover/cluster.json --node "$node_id" --bind-address "$bind" --restart-command "systemctl restart mariadb"',
    'echo "== daemons"',
    'systemctl enable --now eip-agent.service',
    'systemctl enable keepalived.service',
    'systemctl is-active --quiet keepalived.service || systemctl start keepalived.service',
    'eip-agent status || true',
  ];
}
