/**
 * The one long-running reader of keepalived's vrrp_notify_fifo.
 *
 * The FIFO is opened read-write: the agent then holds a writer end itself, so keepalived closing
 * and reopening the FIFO on reload (SIGHUP) never produces EOF, and opening never blocks waiting
 * for a writer. Lines reach `onLine` synchronously, in the order keepalived wrote them; the
 * callback must not wait on the network (it enqueues).
 */
import { execFile } from 'node:child_process';
import { constants, openSync, promises as fs } from 'node:fs';
import { Socket } from 'node:net';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

export class FifoError extends Error {
  override readonly name = 'FifoError';
}

/** Creates the FIFO (mode 0600) unless it exists; refuses a path that is something else. */
export async function ensureFifo(path: string): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true, mode: 0o755 });
  try {
    const st = await fs.lstat(path);
    if (!st.isFIFO()) throw new FifoError(`${path} exists but is not a FIFO; remove it or set agent.notifyFifo elsewhere`);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await promisify(execFile)('mkfifo', ['-m', '0600', path]);
}

export class NotifyFifoReader {
  private socket: Socket | null = null;
  private partial = '';

  constructor(
    private readonly path: string,
    private readonly onLine: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    await ensureFifo(this.path);
    // A raw fd (not a FileHandle, which would try to close it again when collected), handed to a
    // libuv pipe handle that reads the FIFO without tying up a thread-pool thread.
    const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    this.socket = new Socket({ fd, readable: true, writable: false });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => this.consume(chunk));
  }

  private consume(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) this.onLine(line);
  }

  stop(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}
