/**
 * The node side of `nodes[].eipPrivateIp`: EC2 assigns the secondary private IP to the ENI, but
 * Debian configures only the primary address from DHCP, so the install script puts the secondary
 * one on the interface with a small systemd unit, ordered before MariaDB (which must listen on it:
 * that is where the EIP's traffic arrives). As a /32 it adds no route and never becomes the source
 * of the node's own connections, which keep leaving from the primary address and its public IPv4.
 */

export const EIP_ADDRESS_UNIT_NAME = 'eip-failover-address.service';
export const EIP_ADDRESS_UNIT_PATH = `/etc/systemd/system/${EIP_ADDRESS_UNIT_NAME}`;
/** `EIP_PRIVATE_IP=` and `EIP_INTERFACE=`, written per node by the install script. */
export const EIP_ADDRESS_ENV_PATH = '/etc/eip-failover/eip-address.env';

/** The unit, the same on every node; the node's values come from the environment file. */
export const EIP_ADDRESS_UNIT = `[Unit]
Description=eip-failover: the secondary private IP the Elastic IP maps to
Wants=network-online.target
After=network-online.target
Before=mariadb.service

[Service]
Type=oneshot
RemainAfterExit=yes
EnvironmentFile=${EIP_ADDRESS_ENV_PATH}
ExecStart=/sbin/ip address replace \${EIP_PRIVATE_IP}/32 dev \${EIP_INTERFACE}
ExecStop=/sbin/ip address del \${EIP_PRIVATE_IP}/32 dev \${EIP_INTERFACE}

[Install]
WantedBy=multi-user.target mariadb.service
`;

/**
 * `node -e` program: argv[1] the cluster document (as written, defaults left out), argv[2] this
 * instance's id. Prints `<id> <privateIp> <eipPrivateIp or ->`; exits 1 when the instance is not
 * a node of the document.
 */
export const NODE_FACTS_JS =
  'const c=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));' +
  'const n=c.nodes.find((n)=>n.instanceId===process.argv[2]);' +
  'if(!n)process.exit(1);' +
  'console.log([n.id,n.privateIp,n.eipPrivateIp||"-"].join(" "))';

/** Shell: the interface that carries `$primary_ip` (the ENI as the OS names it). */
export const INTERFACE_OF_PRIMARY_IP = `ip -o -4 address show to "$primary_ip/32" | awk '{print $2; exit}'`;

/**
 * Install-script lines, after `$primary_ip $eip_ip` are known: writes the environment file and the
 * unit only when they change, and (re)starts the unit so the address is there now and after every
 * boot. Nothing happens without eipPrivateIp ("-"). `root` prefixes the two files' paths (tests).
 */
export function eipAddressStep(root = ''): string[] {
  return [
    'echo "== the address the Elastic IP maps to"',
    'put_file() { # path mode content; returns 0 when it wrote the file',
    '  if [ -f "$1" ] && [ "$(cat "$1")" = "$3" ]; then return 1; fi',
    '  printf "%s\\n" "$3" > "$1.tmp" && chmod "$2" "$1.tmp" && mv -f "$1.tmp" "$1" && echo "wrote $1"',
    '}',
    'if [ "$eip_ip" = "-" ]; then',
    '  echo "no eipPrivateIp: the Elastic IP maps to the primary address $primary_ip"',
    'else',
    `  iface=$(${INTERFACE_OF_PRIMARY_IP})`,
    '  [ -n "$iface" ] || { echo "no interface carries $primary_ip" >&2; exit 1; }',
    '  changed=0',
    `  put_file '${root}${EIP_ADDRESS_ENV_PATH}' 0644 "$(printf 'EIP_PRIVATE_IP=%s\\nEIP_INTERFACE=%s' "$eip_ip" "$iface")" && changed=1`,
    `  put_file '${root}${EIP_ADDRESS_UNIT_PATH}' 0644 "$(cat <<'UNIT'`,
    ...EIP_ADDRESS_UNIT.trimEnd().split('\n'),
    'UNIT',
    '  )" && changed=1',
    '  [ "$changed" = 0 ] || systemctl daemon-reload',
    `  systemctl enable '${EIP_ADDRESS_UNIT_NAME}'`,
    `  if [ "$changed" = 1 ]; then systemctl restart '${EIP_ADDRESS_UNIT_NAME}'; else systemctl start '${EIP_ADDRESS_UNIT_NAME}'; fi`,
    '  ip -o -4 address show dev "$iface"',
    'fi',
  ];
}
