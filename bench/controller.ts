/**
 * Issue 4's benchmark: the failover controller's Lambda bundle (esbuild, SDK clients bundled),
 * its cold initialisation (a fresh node process: module load to the first decision, against
 * local EC2 and DynamoDB endpoints), and the pure core's decision time per event.
 * Entries: bundle size (reported), cold init (p50 ≤ 150 ms), decision time (reported).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { parseClusterConfig } from '../lib/config/parse';
import { DynamoDbStateStore, createControllerDynamoClient } from '../lambda/failover/adapters/aws/dynamodb-state-store';
import { admitEvent } from '../lambda/failover/core/admit';
import { decide } from '../lambda/failover/core/decide';
import { EMPTY_STATE, type ClusterState } from '../lambda/failover/core/types';
import type { ReceivedAgentEvent } from '../lib/events/parse';
import { measuredEntry } from './entry';
import type { BenchContext, BenchEntry } from './types';

const ROOT = join(__dirname, '..');
const OUT = join(__dirname, 'out');
const CONFIG_FILE = join(ROOT, 'examples/cluster.json');
const COLD_STARTS = 15;
const DECISIONS = 20_000;
const COLD_INIT_TARGET_MS = 150;

const silent: BenchContext = { progress: () => undefined };

async function bundleHandler(): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const outfile = join(OUT, 'failover-handler.cjs');
  await build({
    entryPoints: [join(ROOT, 'lambda/failover/handler.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

/** Answers DescribeAddresses (EIP on db-a) and DescribeInstances (both running) in EC2's query protocol. */
function fakeEc2(config: ReturnType<typeof parseClusterConfig>): Server {
  const [a, b] = config.nodes;
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const action = new URLSearchParams(body).get('Action');
      res.writeHead(200, { 'content-type': 'text/xml' });
      if (action === 'DescribeAddresses') {
        return res.end(
          `<DescribeAddressesResponse><requestId>r</requestId><addressesSet><item><publicIp>${config.eip.publicIp}</publicIp><allocationId>${config.eip.allocationId}</allocationId>` +
            `<domain>vpc</domain><associationId>eipassoc-0123456789abcdef0</associationId><networkInterfaceId>${a.networkInterfaceId}</networkInterfaceId>` +
            `<privateIpAddress>${a.privateIp}</privateIpAddress></item></addressesSet></DescribeAddressesResponse>`,
        );
      }
      const instance = (n: typeof a) =>
        `<item><instancesSet><item><instanceId>${n.instanceId}</instanceId><instanceState><code>16</code><name>running</name></instanceState>` +
        `<networkInterfaceSet><item><networkInterfaceId>${n.networkInterfaceId}</networkInterfaceId></item></networkInterfaceSet></item></instancesSet></item>`;
      res.end(`<DescribeInstancesResponse><requestId>r</requestId><reservationSet>${instance(a)}${instance(b)}</reservationSet></DescribeInstancesResponse>`);
    });
  });
}

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** The steady state (db-a writer, db-b replica, both heard from just now), so the tick does a full evaluation. */
async function seedHealthyPair(config: ReturnType<typeof parseClusterConfig>, endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }) {
  const now = Date.now();
  const [a, b] = config.nodes;
  const report = (n: typeof a, writer: boolean) => ({
    report: {
      detailType: 'VRRP Heartbeat' as const, state: writer ? ('MASTER' as const) : ('BACKUP' as const), priority: n.priority, transitionAtMs: now - 3_600_000,
      sentAtMs: now, epoch: 1, seq: 1, lastError: null, receivedAtMs: now, eventId: null,
      db: { up: true, readOnly: !writer, ioRunning: true, sqlRunning: true, gtidCurrentPos: '0-1-1', lagSeconds: writer ? null : 0.2, error: null },
    },
    lastWritableAtMs: writer ? now : null,
    recentKeys: ['1:1'],
  });
  const store = new DynamoDbStateStore(createControllerDynamoClient({ region: config.region, endpoint, credentials }), 'eip-failover-bench', config.clusterName);
  await store.put({ ...EMPTY_STATE, nodes: { [a.id]: report(a, true), [b.id]: report(b, false) } }, null);
}

/** One fresh node process: require the bundle, run one reconcile tick, report the time from before require. */
function coldStart(bundle: string, env: NodeJS.ProcessEnv): Promise<number> {
  const script = `
    const t0 = performance.now();
    const { handler } = require(${JSON.stringify(bundle)});
    handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', time: new Date().toISOString() }, { getRemainingTimeInMillis: () => 10000 })
      .then((o) => process.stderr.write('BENCH_RESULT ' + JSON.stringify({ ms: performance.now() - t0, reason: o.action && o.action.reason }) + '\\n'))
      .catch((e) => { process.stderr.write('BENCH_ERROR ' + e.message + '\\n'); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env, timeout: 20_000 }, (err, _stdout, stderr) => {
      const line = stderr.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (err || !line) return reject(new Error(`cold start failed: ${err?.message ?? ''} ${stderr.slice(-500)}`));
      const result = JSON.parse(line.slice('BENCH_RESULT '.length)) as { ms: number; reason: string };
      if (result.reason !== 'holder-healthy') return reject(new Error(`unexpected first decision: ${result.reason}`));
      resolve(result.ms);
    });
  });
}

/** The pure core per event: admit a heartbeat, decide. Alternating nodes, rising seq. */
function decisionTimes(config: ReturnType<typeof parseClusterConfig>): number[] {
  const now = Date.now();
  let state: ClusterState = EMPTY_STATE;
  const settings = {
    maxEventAgeMs: 60_000, maxClockSkewMs: 30_000, heartbeatTimeoutMs: 50_000, flapDampingMs: 120_000,
    maxReplicaLagMs: 10_000, noHealthyWriterGraceMs: 20_000, moveSettleMs: 15_000,
  };
  const observation = {
    eip: { kind: 'node' as const, nodeId: config.nodes[0].id },
    instances: Object.fromEntries(config.nodes.map((n) => [n.id, { state: 'running', eniAttached: true }])),
  };
  const times: number[] = [];
  for (let i = 1; i <= DECISIONS; i++) {
    const node = config.nodes[i % 2]!;
    const writer = i % 2 === 0;
    const event = {
      detailType: 'VRRP Heartbeat',
      source: node.eventSource,
      id: `e${i}`,
      time: undefined,
      detail: {
        schemaVersion: 1, cluster: config.clusterName, nodeId: node.id, instanceId: node.instanceId,
        state: writer ? 'MASTER' : 'BACKUP', priority: node.priority, transitionAtMs: now - 60_000, sentAtMs: now - 500,
        epoch: 1, seq: i, lastError: null,
        db: { up: true, readOnly: !writer, ioRunning: true, sqlRunning: true, gtidCurrentPos: `0-1-${i}`, lagSeconds: writer ? null : 0.3, error: null },
      },
    } as unknown as ReceivedAgentEvent;
    const t0 = performance.now();
    const admitted = admitEvent(event, state, settings, now);
    if (admitted.kind === 'accepted') {
      const d = decide({ config, settings, state: admitted.state, observation, nowMs: now });
      state = d.state;
    }
    times.push((performance.now() - t0) * 1000);
  }
  return times;
}

export async function runControllerBench(ctx: BenchContext = silent): Promise<BenchEntry[]> {
  const config = parseClusterConfig(JSON.parse((await import('node:fs')).readFileSync(CONFIG_FILE, 'utf8')));
  ctx.progress('bundling lambda/failover/handler.ts with esbuild');
  const bundle = await bundleHandler();
  const bytes = statSync(bundle).size;

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (o: Record<string, number>) => Server;
  const ddbServer = dynalite({ createTableMs: 0 });
  const ec2Server = fakeEc2(config);
  try {
    const ddbEndpoint = await listen(ddbServer);
    const ec2Endpoint = await listen(ec2Server);
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
    const ddb = new DynamoDBClient({ region: config.region, endpoint: ddbEndpoint, credentials });
    await ddb.send(
      new CreateTableCommand({ TableName: 'eip-failover-bench', AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
    );
    ddb.destroy();
    await seedHealthyPair(config, ddbEndpoint, credentials);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: config.region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_EC2: ec2Endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint,
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9',
      EIP_FAILOVER_CONFIG_REF: CONFIG_FILE,
      EIP_FAILOVER_TABLE_NAME: 'eip-failover-bench',
      EIP_FAILOVER_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:bench',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
    };
    ctx.progress(`${COLD_STARTS} cold starts (fresh node process each)`);
    const cold: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) cold.push(await coldStart(bundle, env));
    ctx.progress(`${DECISIONS} decisions through the pure core`);
    const decisions = decisionTimes(config);
    const sizeNote = `esbuild bundle of lambda/failover/handler.ts, minified, every @aws-sdk client (EC2, DynamoDB + lib-dynamodb, SNS, SSM), Powertools and zod included; ${bundle}.`;
    return [
      measuredEntry({ name: 'Controller: Lambda bundle size', unit: 'KiB', values: [bytes / 1024], target: null, notes: sizeNote }),
      measuredEntry({
        name: 'Controller: cold init, module load → first decision',
        unit: 'ms',
        values: cold,
        target: { text: `p50 ≤ ${COLD_INIT_TARGET_MS} ms`, op: '<=', value: COLD_INIT_TARGET_MS, of: 'median' },
        notes:
          `${COLD_STARTS} fresh node ${process.version} processes, each timing require(bundle) and one reconcile tick (config from a file, DescribeAddresses and ` +
          `DescribeInstances against a local EC2 endpoint, GetItem/PutItem against dynalite, decision holder-healthy). Excludes node's own start-up; ` +
          `SSM is not read (on AWS the config read adds one GetParameter call to the first invocation).`,
      }),
      measuredEntry({
        name: 'Controller: decision time per event (pure core)',
        unit: 'µs',
        values: decisions,
        target: null,
        decimals: 2,
        notes: `${DECISIONS} heartbeats alternating between the nodes, each admitted (order, age, duplicate) and decided against the stored state; no I/O.`,
      }),
    ];
  } finally {
    ddbServer.close();
    ec2Server.close();
  }
}
