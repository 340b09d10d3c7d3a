/**
 * The cluster config: the one document that describes a pair. CDK writes it to SSM Parameter
 * Store; the node agent, the Lambdas and the lab read it. Every field is documented in
 * docs/config.md; keep the two in step.
 */
import * as z from 'zod';

const show = (input: unknown): string => (input === undefined ? 'nothing' : JSON.stringify(input));

/** A string field checked by a pattern, whose error says what was given and shows a good value. */
const patterned = (pattern: RegExp, what: string, example: string) =>
  z.string({ error: (iss) => `expected ${what} (a string such as "${example}"), got ${show(iss.input)}` }).regex(pattern, {
    error: (iss) => `${show(iss.input)} is not ${what}; use a value such as "${example}"`,
  });

const ipv4 = (example: string) =>
  z.ipv4({ error: (iss) => `${show(iss.input)} is not an IPv4 address; use a dotted quad such as "${example}"` });

/** An integer within [min, max]; the error names the range and the value given. */
const intIn = (min: number, max: number, what: string) =>
  z
    .number({ error: (iss) => `expected ${what} as a whole number from ${min} to ${max}, got ${show(iss.input)}` })
    .int({ error: (iss) => `${show(iss.input)} is not a whole number; ${what} must be an integer from ${min} to ${max}` })
    .min(min, { error: (iss) => `${show(iss.input)} is below ${min}; ${what} must be from ${min} to ${max}` })
    .max(max, { error: (iss) => `${show(iss.input)} is above ${max}; ${what} must be from ${min} to ${max}` });

const bool = (what: string) => z.boolean({ error: (iss) => `expected ${what} as true or false, got ${show(iss.input)}` });

/** Names used inside AWS resource names and event sources: lower case, digits, dashes. */
const NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** Linux interface names: at most 15 characters, no slash, colon or white space. */
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
/** An absolute path with no white space or quotes (it is written into keepalived.conf). */
const ABS_PATH = /^\/[^\s"'\\]*$/;

export const NodeSchema = z.strictObject({
  /** Short node name used in logs, events, metrics and `--node`. */
  id: patterned(NAME, 'a node id (lower case letters, digits and dashes, starting with a letter, at most 32)', 'db-a'),
  /** EC2 instance id. */
  instanceId: patterned(/^i-([0-9a-f]{8}|[0-9a-f]{17})$/, 'an EC2 instance id', 'i-0123456789abcdef0'),
  /** The node's primary private IPv4 address: VRRP adverts go to and from it (and the EIP maps to it without `eipPrivateIp`). */
  privateIp: ipv4('10.0.1.10'),
  /**
   * A secondary private IPv4 address of the node's ENI that the EIP maps to (AssociateAddress
   * PrivateIpAddress). With it the primary address can keep a public IPv4 of its own, so the node
   * reaches AWS APIs whether or not it holds the EIP. @default privateIp (the EIP maps to the primary)
   */
  eipPrivateIp: ipv4('10.0.1.11').optional(),
  /** Availability Zone of the instance. */
  availabilityZone: patterned(/^[a-z]{2}(-[a-z0-9]+)+[a-z]$/, 'an Availability Zone name', 'eu-west-1a'),
  /** The ENI the EIP is associated with (AssociateAddress NetworkInterfaceId). */
  networkInterfaceId: patterned(/^eni-([0-9a-f]{8}|[0-9a-f]{17})$/, 'an ENI id', 'eni-0123456789abcdef0'),
  /** The OS name of that interface, where keepalived sends and receives VRRP. */
  interface: patterned(IFNAME, 'a Linux interface name (1 to 15 characters)', 'ens5').default('ens5'),
  /** VRRP priority; the higher one is the preferred writer. Must differ between the nodes. */
  priority: intIn(1, 254, 'the VRRP priority'),
  /** EventBridge source of this node's events. @default `eip-failover.<clusterName>.<id>` */
  eventSource: patterned(/^[A-Za-z0-9._-]{1,256}$/, 'an event source', 'eip-failover.orders.db-a').optional(),
});

export const VrrpSchema = z.strictObject({
  /** VRRP virtual router id; unique per network segment. */
  virtualRouterId: intIn(1, 255, 'the VRRP virtual router id'),
  /** Seconds between adverts (VRRPv2: whole seconds). A dead master is noticed after ~3.6 x this. */
  advertIntervalSec: intIn(1, 255, 'the VRRP advert interval in seconds').default(1),
  /** Keep the current master when a higher-priority node comes back (no flapping). */
  nopreempt: bool('vrrp.nopreempt').default(true),
  /** Failed health checks in a row before the node goes FAULT. */
  healthCheckFall: intIn(1, 10, 'the number of failed checks before FAULT').default(2),
  /** Passed health checks in a row before the node leaves FAULT. */
  healthCheckRise: intIn(1, 10, 'the number of passed checks before recovery').default(2),
});

export const MysqlSchema = z.strictObject({
  /** TCP port of the local server (used when `socket` is empty and by the probes). */
  port: intIn(1, 65535, 'the MySQL port').default(3306),
  /** Unix socket of the local server; the agent's local checks prefer it. Empty string: use TCP. */
  socket: z.union([z.literal(''), patterned(ABS_PATH, 'an absolute socket path', '/run/mysqld/mysqld.sock')]).default('/run/mysqld/mysqld.sock'),
  /** Hard deadline of one local health check, connect included. */
  healthCheckDeadlineMs: intIn(100, 30000, 'the health-check deadline in milliseconds').default(2000),
  /** User of the local health check (created by `eip-agent mysql-bootstrap`). */
  healthCheckUser: patterned(/^[A-Za-z0-9_]{1,32}$/, 'a MySQL user name', 'eip_health').default('eip_health'),
  /** File holding that user's password (mode 0600); never put the password itself here. */
  healthCheckPasswordFile: patterned(ABS_PATH, 'an absolute file path', '/etc/eip-failover/health-check.password').default(
    '/etc/eip-failover/health-check.password',
  ),
  // Used by `eip-agent mysql-bootstrap` (docs/mysql.md). Passwords live in files, never here.
  /** Semi-synchronous replication both ways: a commit returns once the peer has it. */
  semiSync: bool('mysql.semiSync').default(true),
  /** How long a commit waits for the peer's acknowledgement before semi-sync falls back to async. */
  semiSyncTimeoutMs: intIn(100, 600000, 'the semi-sync timeout in milliseconds').default(10000),
  /** Server id of nodes[0]; nodes[1] gets the next one. Unique among all servers that replicate. */
  serverIdBase: intIn(1, 4294967294, 'the first server id').default(1),
  /** Replication user (REPLICATION SLAVE only), created on both nodes. */
  replicationUser: patterned(/^[A-Za-z0-9_]{1,32}$/, 'a MySQL user name', 'eip_repl').default('eip_repl'),
  /** File holding the replication password, the same on both nodes (mode 0600). */
  replicationPasswordFile: patterned(ABS_PATH, 'an absolute file path', '/etc/eip-failover/replication.password').default(
    '/etc/eip-failover/replication.password',
  ),
  /** Host part of the replication account. @default the peer's privateIp */
  replicationUserHost: patterned(/^[A-Za-z0-9.%_:-]{1,255}$/, 'a MySQL account host', '10.0.2.10').optional(),
  /** User of the control plane's probes (mysql_native_password; SLAVE MONITOR, the heartbeat table, writes to its own table). */
  probeUser: patterned(/^[A-Za-z0-9_]{1,32}$/, 'a MySQL user name', 'eip_probe').default('eip_probe'),
  /** File holding the probe password (mode 0600). */
  probePasswordFile: patterned(ABS_PATH, 'an absolute file path', '/etc/eip-failover/probe.password').default(
    '/etc/eip-failover/probe.password',
  ),
  /** Host part of the probe account: where the probe Lambdas connect from, e.g. '10.0.%'. */
  probeUserHost: patterned(/^[A-Za-z0-9.%_:-]{1,255}$/, 'a MySQL account host', '10.0.%').default('%'),
});

export const EventBusSchema = z.strictObject({
  /** Name of the custom EventBridge bus the agents publish to. */
  name: patterned(/^[A-Za-z0-9._-]{1,256}$/, 'an event bus name', 'eip-failover-orders'),
});

export const AgentSchema = z.strictObject({
  /** keepalived's `vrrp_notify_fifo`; the agent daemon is its only reader. */
  notifyFifo: patterned(ABS_PATH, 'an absolute FIFO path', '/run/eip-failover/keepalived.fifo').default('/run/eip-failover/keepalived.fifo'),
  /** Seconds between heartbeat events. */
  heartbeatIntervalSec: intIn(1, 3600, 'the heartbeat interval in seconds').default(15),
  /** The daemon's durable state: sequence numbers, the event spool, status.json. */
  stateDir: patterned(ABS_PATH, 'an absolute directory path', '/var/lib/eip-failover').default('/var/lib/eip-failover'),
  /** keepalived's pid file; the daemon watches it to notice keepalived dying without a word. */
  keepalivedPidFile: patterned(ABS_PATH, 'an absolute file path', '/run/keepalived.pid').default('/run/keepalived.pid'),
  /** Events kept on disk while EventBridge is unreachable; past it the oldest heartbeats go. */
  spoolMaxEntries: intIn(10, 1000000, 'the spool size in events').default(2000),
  /** How often the daemon asks EC2 who holds the EIP (DescribeAddresses, read-only). */
  eipPollIntervalMs: intIn(200, 60000, 'the EIP poll interval in milliseconds').default(2000),
  /** How often the writer updates its heartbeat row (replication lag measurement). */
  dbHeartbeatIntervalMs: intIn(200, 60000, 'the database heartbeat interval in milliseconds').default(1000),
  /** After MASTER, how long to wait (fenced) for the EIP before warning; never unfences without it. */
  fencingEipWaitMs: intIn(1000, 600000, 'the EIP wait in milliseconds').default(15000),
  /** After MASTER, how long to wait for the replica to apply what it received before acting. */
  fencingCatchUpWaitMs: intIn(0, 600000, 'the catch-up wait in milliseconds').default(10000),
  /** What to do when the catch-up wait expires: unfence (availability) or stay fenced (consistency). */
  fencingOnCatchUpExpiry: z
    .enum(['unfence', 'stay-fenced'], { error: (iss) => `${show(iss.input)} is not allowed; use "unfence" or "stay-fenced"` })
    .default('unfence'),
});

export const ClusterConfigSchema = z
  .strictObject({
    /** Name of the pair; part of AWS resource names, event sources and metric dimensions. */
    clusterName: patterned(NAME, 'a cluster name (lower case letters, digits and dashes, starting with a letter, at most 32)', 'orders-db'),
    /** AWS region of the pair. */
    region: patterned(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region', 'eu-west-1'),
    eip: z.strictObject({
      /** Allocation id of the Elastic IP that follows the writer. */
      allocationId: patterned(/^eipalloc-([0-9a-f]{8}|[0-9a-f]{17})$/, 'an EIP allocation id', 'eipalloc-0123456789abcdef0'),
      /** Its public address, as clients use it. */
      publicIp: ipv4('203.0.113.10'),
    }),
    vrrp: VrrpSchema,
    nodes: z.array(NodeSchema, { error: (iss) => `expected a list of two nodes, got ${show(iss.input)}` }),
    mysql: MysqlSchema.prefault({}),
    eventBus: EventBusSchema,
    agent: AgentSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const nodes = config.nodes;
    if (nodes.length !== 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['nodes'],
        message: `lists ${nodes.length} node(s); a pair has exactly two: add or remove entries so there are two`,
      });
      return;
    }
    const [a, b] = nodes as [Node, Node];
    const clash = (field: keyof Node, fix: string) => {
      if (a[field] !== undefined && a[field] === b[field]) {
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', 1, field],
          message: `is ${show(b[field])}, the same as nodes[0].${field}; ${fix}`,
        });
      }
    };
    clash('id', 'give each node its own id');
    clash('priority', 'give the nodes different priorities (the higher one is the preferred writer), e.g. 150 and 100');
    clash('privateIp', 'each node needs its own private IP (VRRP peers talk unicast between them)');
    clash('instanceId', 'each node must be a different instance');
    clash('networkInterfaceId', 'each node needs its own network interface');
    // Compare the sources the nodes will really use: an explicit source may equal the other node's default.
    const sourceOf = (n: Node) => n.eventSource ?? defaultEventSource(config.clusterName, n.id);
    if ((a.eventSource !== undefined || b.eventSource !== undefined) && sourceOf(a) === sourceOf(b)) {
      const i = b.eventSource !== undefined ? 1 : 0;
      const other = i === 1 ? a : b;
      ctx.addIssue({
        code: 'custom',
        path: ['nodes', i, 'eventSource'],
        message:
          `is ${show(sourceOf(other))}, the same as the event source of nodes[${1 - i}]` +
          `${other.eventSource === undefined ? ' (its default)' : ''}; each node needs its own event source (it limits what a node may publish)`,
      });
    }
    for (const [i, n] of nodes.entries()) {
      if (n.privateIp === config.eip.publicIp) {
        ctx.addIssue({
          code: 'custom',
          path: ['nodes', i, 'privateIp'],
          message: `equals eip.publicIp; use the instance's private address, not the Elastic IP`,
        });
      }
      eipPrivateIpIssues(n, i, nodes[1 - i]!, config.eip.publicIp).forEach((message) => ctx.addIssue({ code: 'custom', path: ['nodes', i, 'eipPrivateIp'], message }));
    }
  })
  .transform((config) => ({
    ...config,
    nodes: config.nodes.map((n) => ({
      ...n,
      eventSource: n.eventSource ?? defaultEventSource(config.clusterName, n.id),
    })) as [ResolvedNode, ResolvedNode],
  }));

type Node = z.output<typeof NodeSchema>;
export type ResolvedNode = Node & { eventSource: string };
/** The config as written by a user or by CDK (defaults may be omitted). */
export type ClusterConfigInput = z.input<typeof ClusterConfigSchema>;
/** The config after validation: every default filled in, exactly two nodes. */
export type ClusterConfig = z.output<typeof ClusterConfigSchema>;
export type ClusterNode = ClusterConfig['nodes'][number];

/** The private address the EIP maps to on `node`: its `eipPrivateIp`, else its primary `privateIp`. */
export function eipPrivateIpOf(node: Pick<Node, 'privateIp' | 'eipPrivateIp'>): string {
  return node.eipPrivateIp ?? node.privateIp;
}

/** Why nodes[i].eipPrivateIp cannot be a secondary address of that node alone (empty: fine). */
function eipPrivateIpIssues(n: Node, i: number, other: Node, publicIp: string): string[] {
  const ip = n.eipPrivateIp;
  if (ip === undefined) return [];
  const j = 1 - i;
  if (ip === n.privateIp) {
    return [`is ${show(ip)}, the same as nodes[${i}].privateIp; give a secondary private IP of the node's ENI, or leave eipPrivateIp out to map the EIP to the primary address`];
  }
  // The same secondary IP on both nodes is reported once, at nodes[1] (as the other clashes are).
  if (ip === other.privateIp || (ip === other.eipPrivateIp && i === 1)) {
    const field = ip === other.privateIp ? 'privateIp' : 'eipPrivateIp';
    return [`is ${show(ip)}, the same as nodes[${j}].${field}; each node needs its own secondary private IP (the EIP must land on one node only)`];
  }
  if (ip === publicIp) return [`equals eip.publicIp; use a secondary private IP of the node's ENI, not the Elastic IP`];
  return [];
}

export function defaultEventSource(clusterName: string, nodeId: string): string {
  return `eip-failover.${clusterName}.${nodeId}`;
}
