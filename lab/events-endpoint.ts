/**
 * A real local HTTP server speaking enough of EventBridge's PutEvents (AWS JSON 1.1) for the real
 * SDK client: point AWS_ENDPOINT_URL_EVENTBRIDGE (or a client's endpoint) at `url`. It records
 * what it accepts and can misbehave on demand: refuse some entries, answer with HTTP errors, hang,
 * or stop listening and come back on the same port. The lab's "cloud" reuses it via onEntries.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventEnvelope, envelopeFromEntry } from '../lib/events/entry';

export const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
const JSON_11 = 'application/x-amz-json-1.1';
const MAX_ENTRIES = 10;

/** An entry as the client sent it (the SDK's PutEventsRequestEntry in JSON). */
export interface RawEntry {
  readonly Source?: unknown;
  readonly DetailType?: unknown;
  readonly Detail?: unknown;
  readonly EventBusName?: unknown;
  readonly Time?: unknown;
  readonly Resources?: unknown;
}

export interface AcceptedEntry {
  readonly eventId: string;
  readonly source: string;
  readonly detailType: string;
  /** The Detail string exactly as sent. */
  readonly detail: string;
  readonly eventBusName: string | undefined;
  readonly acceptedAtMs: number;
}

export interface EntryFailure {
  readonly code: string;
  readonly message: string;
}

export type EndpointMode =
  | { readonly kind: 'accept' }
  /** Fails the entries for which `fail` returns a failure (FailedEntryCount > 0), accepts the rest. */
  | { readonly kind: 'fail-entries'; readonly fail: (entry: RawEntry, index: number) => EntryFailure | undefined }
  /** Answers every request with this status and AWS JSON error body. */
  | { readonly kind: 'http-error'; readonly status: number; readonly errorType: string; readonly message?: string }
  /** Reads the request and never answers. */
  | { readonly kind: 'hang' };

export interface RequestRecord {
  readonly atMs: number;
  readonly target: string | undefined;
  /** SigV4 Authorization header (the real SDK always signs). */
  readonly authorization: string | undefined;
  readonly entries: readonly RawEntry[];
  readonly outcome: 'accepted' | 'partial' | 'http-error' | 'hung' | 'invalid';
}

export interface LocalEventBridgeOptions {
  /** Fixed port; default: an ephemeral one, then kept across stop/start. */
  readonly port?: number;
  readonly host?: string;
  /** Called with the entries of each request that were accepted, in request order. */
  readonly onEntries?: (entries: readonly AcceptedEntry[]) => void;
}

interface Waiter {
  readonly count: number;
  readonly resolve: () => void;
}

export class LocalEventBridge {
  readonly accepted: AcceptedEntry[] = [];
  readonly requests: RequestRecord[] = [];
  mode: EndpointMode = { kind: 'accept' };
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly host: string;
  private boundPort: number;
  private waiters: Waiter[] = [];

  constructor(private readonly options: LocalEventBridgeOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.boundPort = options.port ?? 0;
  }

  get port(): number {
    if (this.boundPort === 0) throw new Error('LocalEventBridge has not been started');
    return this.boundPort;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Listens (again, on the same port after a stop). */
  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts open connections: clients now get ECONNREFUSED. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Stops for good and releases anyone waiting. */
  async close(): Promise<void> {
    await this.stop();
    this.waiters.splice(0).forEach((w) => w.resolve());
  }

  /** Resolves once at least `count` entries have been accepted in total, or rejects after timeoutMs. */
  waitForAccepted(count: number, timeoutMs: number): Promise<readonly AcceptedEntry[]> {
    if (this.accepted.length >= count) return Promise.resolve(this.accepted);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`only ${this.accepted.length} of ${count} entries accepted after ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.accepted);
        },
      };
      this.waiters.push(waiter);
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => this.respond(req, res, Buffer.concat(chunks).toString('utf8')));
  }

  private respond(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const target = req.headers['x-amz-target'] as string | undefined;
    const record = (entries: readonly RawEntry[], outcome: RequestRecord['outcome']) =>
      this.requests.push({ atMs: Date.now(), target, authorization: req.headers.authorization, entries, outcome });
    if (req.method !== 'POST' || target !== PUT_EVENTS_TARGET) {
      record([], 'invalid');
      return sendError(res, 400, 'UnknownOperationException', `only POST ${PUT_EVENTS_TARGET} is implemented`);
    }
    let entries: RawEntry[];
    try {
      entries = (JSON.parse(body) as { Entries?: RawEntry[] }).Entries ?? [];
      if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) throw new Error();
    } catch {
      record([], 'invalid');
      return sendError(res, 400, 'ValidationException', `Entries must be a list of 1 to ${MAX_ENTRIES} entries`);
    }
    const mode = this.mode;
    if (mode.kind === 'hang') return void record(entries, 'hung');
    if (mode.kind === 'http-error') {
      record(entries, 'http-error');
      return sendError(res, mode.status, mode.errorType, mode.message ?? 'injected failure');
    }
    const results = entries.map((entry, index) => {
      const refusal = validateEntry(entry) ?? (mode.kind === 'fail-entries' ? mode.fail(entry, index) : undefined);
      return refusal ? { refusal } : { accepted: this.accept(entry) };
    });
    const failed = results.filter((r) => r.refusal).length;
    record(entries, failed > 0 ? 'partial' : 'accepted');
    const newlyAccepted = results.flatMap((r) => (r.accepted ? [r.accepted] : []));
    if (newlyAccepted.length > 0) this.options.onEntries?.(newlyAccepted);
    this.waiters = this.waiters.filter((w) => (this.accepted.length >= w.count ? (w.resolve(), false) : true));
    send(res, 200, {
      FailedEntryCount: failed,
      Entries: results.map((r) => (r.refusal ? { ErrorCode: r.refusal.code, ErrorMessage: r.refusal.message } : { EventId: r.accepted!.eventId })),
    });
  }

  private accept(entry: RawEntry): AcceptedEntry {
    const accepted: AcceptedEntry = {
      eventId: randomUUID(),
      source: entry.Source as string,
      detailType: entry.DetailType as string,
      detail: entry.Detail as string,
      eventBusName: typeof entry.EventBusName === 'string' ? entry.EventBusName : undefined,
      acceptedAtMs: Date.now(),
    };
    this.accepted.push(accepted);
    return accepted;
  }
}

/** The event a rule target would receive for an accepted entry (what the lab's rules match on). */
export function envelopeOfAccepted(entry: AcceptedEntry, meta: { account: string; region: string }): EventEnvelope {
  const { source: Source, detailType: DetailType, detail: Detail, eventBusName } = entry;
  return envelopeFromEntry({ Source, DetailType, Detail, EventBusName: eventBusName ?? 'default' }, { id: entry.eventId, acceptedAtMs: entry.acceptedAtMs, ...meta });
}

/** The per-entry checks EventBridge itself makes (required fields, Detail a JSON object). */
function validateEntry(entry: RawEntry): EntryFailure | undefined {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '') {
      return { code: 'InvalidArgument', message: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
    }
  }
  try {
    const detail = JSON.parse(entry.Detail as string) as unknown;
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) throw new Error();
  } catch {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  return undefined;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_11,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, errorType: string, message: string): void {
  send(res, status, { __type: errorType, message }, { 'x-amzn-errortype': errorType });
}
