/**
 * Issue 4's benchmark: the failover controller's Lambda bundle, built with the deployment's own
 * options (lambda/build-options.cjs, SDK clients bundled), its cold start, and the pure core's
 * decision time per event.
 *
 * Cold init, as measured here: a fresh `node` process (Lambda's environment variables, static
 * credentials) runs `require(bundle)` and calls the exported handler once; the clock starts just
 * before the require and stops when the handler's promise settles. The config comes as deployed,
 * in EIP_FAILOVER_CONFIG (lib/cdk/controller-function.ts); a second tick measurement reads it from
 * SSM instead (an `ssm:` ref, the operators' alternative). Every AWS call of the first invocation
 * goes over HTTP to a local endpoint, through the real SDK stack (signing, retries, serialisation,
 * parsing): SSM GetParameter, EC2 DescribeAddresses/DescribeInstances/AssociateAddress and SNS
 * Publish from small fakes in this process, DynamoDB GetItem/PutItem against dynalite. Node's own
 * start-up (before the first line of the script) is not in the number and is reported beside it.
 * Network latency to AWS and TLS are not in it either.
 *
 * Two first invocations are measured:
 *   tick     the scheduled reconcile tick on a healthy pair: config parse, state read, EC2
 *            observation, decision holder-healthy (no write). The target applies here.
 *   failover a db-b MASTER event while the holder db-a is FAULT: validation, state read, EC2
 *            observation, decision, claim (conditional PutItem), AssociateAddress, confirm
 *            (DescribeAddresses), record, SNS Publish. Reported, no target.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Metafile } from 'esbuild';
import { buildController, OWN_FILE_IMPORTS } from '../lambda/build-options.cjs';
import { parseClusterConfig } from '../lib/config/parse';
import type { ClusterConfig } from '../lib/config/schema';
import type { ReceivedAgentEvent } from '../lib/events/parse';
import { DynamoDbStateStore, createControllerDynamoClient } from '../lambda/failover/adapters/aws/dynamodb-state-store';
import { admitEvent } from '../lambda/failover/core/admit';
import { decide } from '../lambda/failover/core/decide';
import { EMPTY_STATE, type ClusterState, type StoredNode } from '../lambda/failover/core/types';
import { measuredEntry } from './entry';
import { percentile, round } from './stats';
import type { BenchContext, BenchEntry } from './types';

const ROOT = join(__dirname, '..');
const OUT = join(__dirname, 'out', 'controller');
const CONFIG_FILE = join(ROOT, 'examples/cluster.json');
const CONFIG_PARAMETER = '/eip-failover/orders-db/config';
const TABLE = 'eip-failover-bench';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:eip-failover-bench';
const TICK_COLD_STARTS = 25;
const SSM_TICK_COLD_STARTS = 15;
const FAILOVER_COLD_STARTS = 20;
const DECISIONS = 20_000;
const COLD_INIT_TARGET_MS = 150;
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'bench-secret', sessionToken: 'bench-session-token' };

const silent: BenchContext = { progress: () => undefined };

export type Scenario = 'tick' | 'failover';

/** Where the function reads its config: `inline` in EIP_FAILOVER_CONFIG (as CDK deploys it), or an `ssm:` ref. */
export type ConfigMode = 'inline' | 'ssm';

export interface ColdStart {
  /** require(bundle) alone. */
  readonly loadMs: number;
  /** require(bundle) + the first invocation, until its promise settled. */
  readonly firstMs: number;
  /** CPU (user + system) of the same span. */
  readonly cpuMs: number;
  /** Node's own start-up: process start to the first line of the script. */
  readonly bootMs: number;
}

/** The bundle exactly as deployed (lambda/build-options.cjs), and the sizes of the files it comes with. */
export async function bundleController(outDir = OUT): Promise<{ file: string; bytes: number; metafile: Metafile; ownFiles: Array<{ file: string; bytes: number; when: string }> }> {
  mkdirSync(outDir, { recursive: true });
  const { outfile, bytes, metafile } = await buildController(outDir);
  const ownFiles = OWN_FILE_IMPORTS.map(({ file, when }) => ({ file, when, bytes: statSync(join(outDir, file)).size }));
  return { file: outfile, bytes, metafile, ownFiles };
}

/** KiB per package in the bundle, largest first. */
export function bundleComposition(metafile: Metafile): Array<[string, number]> {
  const output = Object.values(metafile.outputs)[0];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'this project';
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
  }
  return [...byPackage].map(([p, b]) => [p, round(b / 1024, 1)] as [string, number]).sort((a, b) => b[1] - a[1]);
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });

const listen = async (server: Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** Counts of the requests the fakes answered, per action. */
type Calls = Record<string, number>;

/**
 * EC2 in its query protocol: DescribeAddresses shows the EIP on `holder`'s ENI, DescribeInstances
 * both instances running, AssociateAddress moves it (so the confirmation read sees the move).
 */
function fakeEc2(config: ClusterConfig, calls: Calls, associations: string[]) {
  const state = { holder: config.nodes[0].id };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((body) => {
      const params = new URLSearchParams(body);
      const action = params.get('Action') ?? '?';
      calls[`ec2:${action}`] = (calls[`ec2:${action}`] ?? 0) + 1;
      res.writeHead(200, { 'content-type': 'text/xml' });
      if (action === 'DescribeAddresses') {
        const n = config.nodes.find((x) => x.id === state.holder)!;
        return res.end(
          `<DescribeAddressesResponse><requestId>r</requestId><addressesSet><item><publicIp>${config.eip.publicIp}</publicIp><allocationId>${config.eip.allocationId}</allocationId>` +
            `<domain>vpc</domain><associationId>eipassoc-0123456789abcdef0</associationId><networkInterfaceId>${n.networkInterfaceId}</networkInterfaceId>` +
            `<instanceId>${n.instanceId}</instanceId><privateIpAddress>${n.privateIp}</privateIpAddress></item></addressesSet></DescribeAddressesResponse>`,
        );
      }
      if (action === 'DescribeInstances') {
        const instance = (n: ClusterConfig['nodes'][number]) =>
          `<item><instancesSet><item><instanceId>${n.instanceId}</instanceId><instanceState><code>16</code><name>running</name></instanceState>` +
          `<networkInterfaceSet><item><networkInterfaceId>${n.networkInterfaceId}</networkInterfaceId></item></networkInterfaceSet></item></instancesSet></item>`;
        return res.end(`<DescribeInstancesResponse><requestId>r</requestId><reservationSet>${config.nodes.map(instance).join('')}</reservationSet></DescribeInstancesResponse>`);
      }
      if (action === 'AssociateAddress') {
        const eni = params.get('NetworkInterfaceId');
        const target = config.nodes.find((x) => x.networkInterfaceId === eni && x.privateIp === params.get('PrivateIpAddress'));
        associations.push(`${params.get('AllocationId')}->${eni} reassociate=${params.get('AllowReassociation')}`);
        if (target && params.get('AllocationId') === config.eip.allocationId) {
          state.holder = target.id;
          return res.end(`<AssociateAddressResponse><requestId>r</requestId><associationId>eipassoc-0fedcba9876543210</associationId></AssociateAddressResponse>`);
        }
      }
      res.writeHead(400);
      res.end(`<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>bench fake: ${action}</Message></Error></Errors><RequestID>r</RequestID></Response>`);
    }, () => res.destroy());
  });
  return { server, state };
}

/** SSM (JSON 1.1): GetParameter of the one config parameter. */
function fakeSsm(configText: string, calls: Calls) {
  return createServer((req, res) => {
    void readBody(req).then((body) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      calls[`ssm:${target}`] = (calls[`ssm:${target}`] ?? 0) + 1;
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      const name = (JSON.parse(body || '{}') as { Name?: string }).Name;
      if (target !== 'AmazonSSM.GetParameter' || name !== CONFIG_PARAMETER) {
        res.writeHead(400);
        return res.end(JSON.stringify({ __type: 'ParameterNotFound', message: `bench fake: ${target} ${name}` }));
      }
      res.end(JSON.stringify({ Parameter: { Name: name, Type: 'String', Value: configText, Version: 1 } }));
    }, () => res.destroy());
  });
}

/** SNS (query protocol): Publish. */
function fakeSns(calls: Calls, published: string[]) {
  return createServer((req, res) => {
    void readBody(req).then((body) => {
      const params = new URLSearchParams(body);
      const action = params.get('Action') ?? '?';
      calls[`sns:${action}`] = (calls[`sns:${action}`] ?? 0) + 1;
      res.setHeader('content-type', 'text/xml');
      if (action !== 'Publish' || params.get('TopicArn') !== TOPIC_ARN) {
        res.writeHead(400);
        return res.end(`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>bench fake</Message></Error><RequestId>r</RequestId></ErrorResponse>`);
      }
      published.push(params.get('Subject') ?? '');
      res.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>00000000-0000-0000-0000-000000000001</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`,
      );
    }, () => res.destroy());
  });
}

const dbUp = { up: true, ioRunning: true, sqlRunning: true, error: null } as const;

function storedNode(report: Omit<StoredNode['report'], 'receivedAtMs' | 'eventId' | 'epoch' | 'seq'>, lastWritableAtMs: number | null): StoredNode {
  return { report: { ...report, epoch: 1, seq: 10, receivedAtMs: report.sentAtMs, eventId: null }, lastWritableAtMs, recentKeys: ['1:10'] };
}

/** tick: db-a the writer, db-b a caught-up replica, both heard from 2 s ago. failover: db-a went FAULT 3 s ago. */
function seedState(config: ClusterConfig, scenario: Scenario, now: number): ClusterState {
  const [a, b] = config.nodes;
  const replica = storedNode(
    { detailType: 'VRRP Heartbeat', state: 'BACKUP', priority: b.priority, transitionAtMs: now - 3_600_000, sentAtMs: now - 2_000, lastError: null, db: { ...dbUp, readOnly: true, gtidCurrentPos: '0-1-500', lagSeconds: 0.2 } },
    null,
  );
  const writer =
    scenario === 'tick'
      ? storedNode(
          { detailType: 'VRRP Heartbeat', state: 'MASTER', priority: a.priority, transitionAtMs: now - 3_600_000, sentAtMs: now - 2_000, lastError: null, db: { ...dbUp, readOnly: false, gtidCurrentPos: '0-1-500', lagSeconds: null } },
          now - 2_000,
        )
      : storedNode(
          {
            detailType: 'VRRP State Change', state: 'FAULT', priority: a.priority, transitionAtMs: now - 3_000, sentAtMs: now - 3_000, lastError: 'check-mysql failed',
            db: { up: false, readOnly: null, ioRunning: false, sqlRunning: false, gtidCurrentPos: '', lagSeconds: null, error: 'connect ECONNREFUSED' },
          },
          now - 20_000,
        );
  return { ...EMPTY_STATE, nodes: { [a.id]: writer, [b.id]: replica }, holder: { nodeId: a.id, sinceMs: now - 3_600_000 } };
}

/** The invocation's event: EventBridge's scheduled event, or db-b's MASTER transition. */
function firstEvent(config: ClusterConfig, scenario: Scenario, now: number): unknown {
  if (scenario === 'tick') return { source: 'aws.events', 'detail-type': 'Scheduled Event', time: new Date(now).toISOString(), detail: {} };
  const b = config.nodes[1];
  return {
    version: '0', id: 'bench-event-1', source: b.eventSource, 'detail-type': 'VRRP State Change', time: new Date(now).toISOString(), region: config.region, account: '111122223333', resources: [],
    detail: {
      schemaVersion: 1, cluster: config.clusterName, nodeId: b.id, instanceId: b.instanceId, state: 'MASTER', priority: b.priority, transitionAtMs: now - 200, sentAtMs: now - 190,
      epoch: 1, seq: 11, lastError: null, db: { ...dbUp, readOnly: true, gtidCurrentPos: '0-1-500', lagSeconds: 0.2 },
    },
  };
}

export interface LocalAws {
  readonly config: ClusterConfig;
  /** The function's environment, pointing every client at the local endpoints, with the config as `mode` says. */
  env(mode: ConfigMode): NodeJS.ProcessEnv;
  /** Seeds the state item and the fakes for one cold start, clears the call counts. */
  reset(scenario: Scenario): Promise<void>;
  readonly calls: Calls;
  readonly associations: string[];
  readonly published: string[];
  close(): Promise<void>;
}

/** dynalite plus the EC2, SSM and SNS fakes, with a table and the config parameter. */
export async function startLocalAws(): Promise<LocalAws> {
  const configText = readFileSync(CONFIG_FILE, 'utf8');
  const config = parseClusterConfig(JSON.parse(configText));
  const calls: Calls = {};
  const associations: string[] = [];
  const published: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require('dynalite') as (o: Record<string, number>) => Server;
  const ddbServer = dynalite({ createTableMs: 0 });
  const ec2 = fakeEc2(config, calls, associations);
  const ssmServer = fakeSsm(configText, calls);
  const snsServer = fakeSns(calls, published);
  const servers = [ddbServer, ec2.server, ssmServer, snsServer];
  const [ddbEndpoint, ec2Endpoint, ssmEndpoint, snsEndpoint] = await Promise.all(servers.map(listen));
  const creds = { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: CREDENTIALS.secretAccessKey };
  const ddb = new DynamoDBClient({ region: config.region, endpoint: ddbEndpoint, credentials: creds });
  await ddb.send(
    new CreateTableCommand({ TableName: TABLE, AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' }),
  );
  ddb.destroy();
  const doc = createControllerDynamoClient({ region: config.region, endpoint: ddbEndpoint, credentials: creds });
  // What Lambda sets (plus the endpoints); nothing of this process's own environment leaks in.
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_LAMBDA_FUNCTION_NAME: 'eip-failover-controller',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x',
    _X_AMZN_TRACE_ID: 'Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0',
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
    AWS_ENDPOINT_URL_EC2: ec2Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: ddbEndpoint,
    AWS_ENDPOINT_URL_SSM: ssmEndpoint,
    AWS_ENDPOINT_URL_SNS: snsEndpoint,
    EIP_FAILOVER_TABLE_NAME: TABLE,
    EIP_FAILOVER_TOPIC_ARN: TOPIC_ARN,
  };
  // The document as CDK puts it in the environment: one line of JSON.
  const inline = JSON.stringify(JSON.parse(configText));
  return {
    config,
    env: (mode) => ({ ...baseEnv, ...(mode === 'inline' ? { EIP_FAILOVER_CONFIG: inline } : { EIP_FAILOVER_CONFIG_REF: `ssm:${CONFIG_PARAMETER}` }) }),
    calls,
    associations,
    published,
    async reset(scenario) {
      for (const k of Object.keys(calls)) delete calls[k];
      associations.length = 0;
      published.length = 0;
      ec2.state.holder = config.nodes[0].id;
      const store = new DynamoDbStateStore(doc, TABLE, config.clusterName);
      const current = await store.get();
      const written = await store.put(seedState(config, scenario, Date.now()), current?.version ?? null);
      if (written === 'conflict') throw new Error('bench: could not seed the state item');
    },
    async close() {
      doc.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

interface ChildResult extends ColdStart {
  readonly outcome: { kind: string; moved?: boolean; action?: { kind: string; reason: string } };
}

/** One fresh node process: require the bundle, invoke the handler once, report the times. */
export function coldStart(bundle: string, aws: LocalAws, scenario: Scenario, mode: ConfigMode = 'inline'): Promise<ColdStart> {
  const event = firstEvent(aws.config, scenario, Date.now());
  // As Lambda's runtime loads a handler: require() for CommonJS, import() for an ES module.
  const load = bundle.endsWith('.mjs') ? `import(${JSON.stringify(pathToFileURL(bundle).href)})` : `Promise.resolve(require(${JSON.stringify(bundle)}))`;
  const script = `
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const context = { functionName: 'eip-failover-controller', awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 };
    let t1;
    ${load}.then(({ handler }) => {
      t1 = performance.now();
      return handler(${JSON.stringify(event)}, context);
    }).then((outcome) => {
      const t2 = performance.now();
      const c = process.cpuUsage(c0);
      process.stderr.write('BENCH_RESULT ' + JSON.stringify({ bootMs: t0, loadMs: t1 - t0, firstMs: t2 - t0, cpuMs: (c.user + c.system) / 1000, outcome }) + '\\n');
      process.exit(0);
    }, (e) => { process.stderr.write('BENCH_ERROR ' + (e && e.stack || e) + '\\n'); process.exit(1); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { env: aws.env(mode), timeout: 30_000, maxBuffer: 16 << 20 }, (err, _stdout, stderr) => {
      const line = stderr.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (err || !line) return reject(new Error(`cold start (${scenario}) failed: ${err?.message ?? ''} ${stderr.slice(-800)}`));
      const r = JSON.parse(line.slice('BENCH_RESULT '.length)) as ChildResult;
      const problem = checkFirstInvocation(aws, scenario, mode, r.outcome);
      if (problem) return reject(new Error(`cold start (${scenario}): ${problem}`));
      resolve({ bootMs: r.bootMs, loadMs: r.loadMs, firstMs: r.firstMs, cpuMs: r.cpuMs });
    });
  });
}

/** The first invocation took the path the scenario is about, and made exactly the calls it should. */
function checkFirstInvocation(aws: LocalAws, scenario: Scenario, mode: ConfigMode, outcome: ChildResult['outcome']): string | null {
  const c = aws.calls;
  const calls = JSON.stringify(c);
  const ssmReads = mode === 'ssm' ? 1 : 0;
  if ((c['ssm:AmazonSSM.GetParameter'] ?? 0) !== ssmReads) return `expected ${ssmReads} SSM GetParameter (config ${mode}), saw ${calls}`;
  if (!c['ec2:DescribeAddresses'] || c['ec2:DescribeInstances'] !== 1) return `expected the EC2 observation, saw ${calls}`;
  if (scenario === 'tick') {
    if (outcome.kind !== 'decided' || outcome.action?.reason !== 'holder-healthy') return `expected decision holder-healthy, got ${JSON.stringify(outcome)}`;
    if (c['ec2:AssociateAddress'] || c['sns:Publish']) return `a healthy tick moved or notified: ${calls}`;
    return null;
  }
  if (outcome.kind !== 'decided' || !outcome.moved || outcome.action?.reason !== 'holder-unhealthy') return `expected a confirmed move (holder-unhealthy), got ${JSON.stringify(outcome)}`;
  const b = aws.config.nodes[1];
  const expected = `${aws.config.eip.allocationId}->${b.networkInterfaceId} reassociate=true`;
  if (aws.associations.length !== 1 || aws.associations[0] !== expected) return `expected one AssociateAddress ${expected}, saw ${JSON.stringify(aws.associations)}`;
  if (aws.published.length !== 1) return `expected one SNS notice of the move, saw ${JSON.stringify(aws.published)}`;
  return null;
}

/** `count` cold starts of one scenario, each on freshly seeded state. */
export async function coldStarts(bundle: string, aws: LocalAws, scenario: Scenario, count: number, mode: ConfigMode = 'inline'): Promise<ColdStart[]> {
  const out: ColdStart[] = [];
  for (let i = 0; i < count; i++) {
    await aws.reset(scenario);
    out.push(await coldStart(bundle, aws, scenario, mode));
  }
  return out;
}

/** The pure core per event: admit a heartbeat, decide. Alternating nodes, rising seq. */
function decisionTimes(config: ClusterConfig): number[] {
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

const p50 = (xs: readonly number[]) => round(percentile(xs, 50), 1);

export async function runControllerBench(ctx: BenchContext = silent): Promise<BenchEntry[]> {
  ctx.progress('bundling lambda/failover/handler.ts with lambda/build-options.cjs');
  const bundle = await bundleController();
  const top = bundleComposition(bundle.metafile).slice(0, 6);
  const aws = await startLocalAws();
  const loadBefore = loadavg()[0]!;
  let tick: ColdStart[];
  let ssmTick: ColdStart[];
  let failover: ColdStart[];
  try {
    ctx.progress(`${TICK_COLD_STARTS} cold starts, reconcile tick (fresh node process each)`);
    tick = await coldStarts(bundle.file, aws, 'tick', TICK_COLD_STARTS);
    ctx.progress(`${SSM_TICK_COLD_STARTS} cold starts, reconcile tick with the config read from SSM`);
    ssmTick = await coldStarts(bundle.file, aws, 'tick', SSM_TICK_COLD_STARTS, 'ssm');
    ctx.progress(`${FAILOVER_COLD_STARTS} cold starts, failover event`);
    failover = await coldStarts(bundle.file, aws, 'failover', FAILOVER_COLD_STARTS);
  } finally {
    await aws.close();
  }
  const load = `Load average (1 min) ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after the cold starts, on ${cpus().length} CPUs shared with other work.`;
  ctx.progress(`${DECISIONS} decisions through the pure core`);
  const decisions = decisionTimes(aws.config);
  const split = (runs: readonly ColdStart[]) =>
    `Medians: require ${p50(runs.map((r) => r.loadMs))} ms, CPU ${p50(runs.map((r) => r.cpuMs))} ms; node's own start before it ${p50(runs.map((r) => r.bootMs))} ms (not included).`;
  return [
    measuredEntry({
      name: 'Controller: Lambda bundle size',
      unit: 'KiB',
      values: [bundle.bytes / 1024],
      target: null,
      notes:
        `index.js as lambda/build-options.cjs writes it (esbuild: cjs, node20, minified, mainFields module,main, SDK schema keys inlined, nothing external), every client bundled. ` +
        `Largest parts (KiB): ${top.map(([p, k]) => `${p} ${k}`).join(', ')}. ` +
        `Loaded only when needed, from files of their own beside it: ${bundle.ownFiles.map((o) => `${o.file} ${round(o.bytes / 1024, 1)} KiB (${o.when})`).join(', ')}.`,
    }),
    measuredEntry({
      name: 'Controller: cold init, module load → first decision (reconcile tick)',
      unit: 'ms',
      values: tick.map((r) => r.firstMs),
      target: { text: `p50 ≤ ${COLD_INIT_TARGET_MS} ms`, op: '<=', value: COLD_INIT_TARGET_MS, of: 'median' },
      notes:
        `${TICK_COLD_STARTS} fresh node ${process.version} processes with Lambda's environment, the config in EIP_FAILOVER_CONFIG as CDK deploys it: require(bundle), ` +
        `then one scheduled reconcile tick until its promise settles (config parsed, DynamoDB GetItem on dynalite, EC2 DescribeAddresses + DescribeInstances on a local fake, ` +
        `all over HTTP through the real SDK; decision holder-healthy, checked). ${split(tick)} No network latency or TLS. ${load}`,
    }),
    measuredEntry({
      name: 'Controller: cold init with the config read from SSM (`ssm:` ref)',
      unit: 'ms',
      values: ssmTick.map((r) => r.firstMs),
      target: null,
      notes:
        `The same tick, ${SSM_TICK_COLD_STARTS} fresh processes, but EIP_FAILOVER_CONFIG_REF=ssm:… (controllerSettings.configFrom 'ssm'): ` +
        `the SSM reader's own file loaded, then SSM GetParameter (checked). ${split(ssmTick)}`,
    }),
    measuredEntry({
      name: 'Controller: cold start → confirmed move (failover event)',
      unit: 'ms',
      values: failover.map((r) => r.firstMs),
      target: null,
      notes:
        `${FAILOVER_COLD_STARTS} fresh processes, first invocation a db-b MASTER event while db-a is FAULT: validate, read state, observe, decide, claim (conditional PutItem), ` +
        `AssociateAddress, confirm with DescribeAddresses, record, SNS Publish (each checked). ${split(failover)}`,
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
}
