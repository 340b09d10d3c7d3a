/**
 * One probe round: both nodes and the EIP at once (the EIP's private target is asked as soon as EC2
 * names it), then, with one writable node, a write through it timed until its peer shows it. Every
 * part gets an absolute deadline inside the round's; a part that has not settled by the round's
 * deadline (plus a little grace) is reported as timed out, so a round always ends with a result.
 */
import type { ClusterConfig } from '../../lib/config/schema';
import { e2ePlan, probeTargets } from './core/pair';
import type { EipLookup, IdentityProbe, NodeProbe, RawRound, ReplicationRoundTrip } from './core/types';
import type { EipMappingPort, MysqlProbePort, ProbeClock } from './ports';

/** How long past the round's deadline a part may settle before it is written off. */
const GRACE_MS = 250;

export interface RoundLimits {
  /** A connection attempt's limit: a blackholed node costs no more than this. */
  readonly connectTimeoutMs: number;
  /** After connecting, the limit for one probe's queries. */
  readonly queryTimeoutMs: number;
}

export interface RoundDeps {
  readonly config: ClusterConfig;
  readonly mysql: MysqlProbePort;
  readonly eip: EipMappingPort;
  readonly clock: ProbeClock;
  readonly limits: RoundLimits;
}

const timedOut = (what: string) => ({ reason: 'timeout' as const, message: `${what}: not settled by the round's deadline` });
const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

export async function runProbeRound(deps: RoundDeps, roundDeadlineMs: number): Promise<RawRound> {
  const { config, mysql, clock, limits } = deps;
  const atMs = clock.wallMs();
  const started = clock.monoMs();
  const port = config.mysql.port;
  const probeBudget = limits.connectTimeoutMs + limits.queryTimeoutMs;
  const phaseDeadline = (from: number) => Math.min(roundDeadlineMs, from + probeBudget);

  // Filled as parts settle; whatever is missing at the end timed out.
  const nodes: Record<string, NodeProbe> = {};
  let eip: EipLookup | undefined;
  let eipTarget: IdentityProbe | null | undefined;
  let e2e: ReplicationRoundTrip | null | undefined;

  const work = (async () => {
    const first = phaseDeadline(started);
    const lookupEip = async () => {
      try {
        const signal = AbortSignal.timeout(Math.max(1, Math.ceil(first - clock.monoMs())));
        eip = { ok: true, association: await deps.eip.describe(signal) };
      } catch (err) {
        eip = { ok: false, error: describe(err) };
      }
      const ip = eip.ok ? eip.association?.privateIpAddress : undefined;
      eipTarget = ip ? await mysql.identify({ host: ip, port }, first) : null;
    };
    await Promise.all([...probeTargets(config).map(async (t) => (nodes[t.nodeId] = await mysql.probeNode({ host: t.host, port }, first))), lookupEip()]);
    const plan = e2ePlan(config, nodes);
    e2e = 'skip' in plan ? null : await mysql.replicationRoundTrip({ host: plan.writer.host, port, serverId: plan.writer.serverId }, { host: plan.peer.host, port }, phaseDeadline(clock.monoMs()));
  })();
  // An adapter that rejects is a bug; its part shows as timed out, like one that never settles.
  const settled = work.then(
    () => undefined,
    () => undefined,
  );
  const guard = new AbortController();
  await Promise.race([settled, clock.sleep(roundDeadlineMs + GRACE_MS - clock.monoMs(), guard.signal)]);
  guard.abort();

  for (const t of probeTargets(config)) nodes[t.nodeId] ??= { ok: false, connectMs: null, failure: timedOut(`probe of ${t.nodeId}`) };
  const asked = eip?.ok === true && Boolean(eip.association?.privateIpAddress);
  return {
    atMs,
    durationMs: Math.round(clock.monoMs() - started),
    nodes,
    eip: eip ?? { ok: false, error: timedOut('EC2 DescribeAddresses').message },
    eipTarget: eipTarget !== undefined ? eipTarget : asked ? { ok: false, failure: timedOut('the EIP target') } : null,
    e2e: e2e !== undefined ? e2e : 'skip' in e2ePlan(config, nodes) ? null : { ok: false, stage: 'peer', failure: timedOut('the replication round trip') },
  };
}
