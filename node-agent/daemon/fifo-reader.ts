/**
 * The one long-running reader of keepalived's vrrp_notify_fifo.
 *
 * The FIFO is opened read-write: the agent then holds a writer end itself, so keepalived closing
 * and reopening the FIFO on reload (SIGHUP) never produces EOF, and opening never blocks waiting
 * for a writer. Lines reach `onLine` synchronously, in the order keepalived wrote them; the
 * callback must not wait on the network (it enqueues).
 */
import { execFile } from 'node:child_process';
import { constants, fstatSync, openSync, promises as fs, readSync } from 'node:fs';
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

/** What follow() found: the FIFO we read is still the one at the path, or it was replaced. */
export type FollowResult = 'same' | 'recreated' | 'reopened';

export class NotifyFifoReader {
  private socket: Socket | null = null;
  private fd: number | null = null;
  /** dev:ino of the FIFO we read; the path may come to name another one (see follow()). */
  private identity = '';
  private following: Promise<FollowResult> | undefined;
  private partial = '';

  constructor(
    private readonly path: string,
    private readonly onLine: (line: string) => void,
    /** Read errors (never expected on a FIFO we hold open read-write); the reader keeps going. */
    private readonly onError: (err: Error) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    await ensureFifo(this.path);
    this.open();
  }

  private open(): void {
    // A raw fd (not a FileHandle, which would try to close it again when collected), handed to a
    // libuv pipe handle that reads the FIFO without tying up a thread-pool thread.
    const fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    this.fd = fd;
    this.identity = `${st.dev}:${st.ino}`;
    this.socket = new Socket({ fd, readable: true, writable: false });
    this.socket.setEncoding('utf8');
    this.socket.on('data', (chunk: string) => this.consume(chunk));
    this.socket.on('error', (err) => this.onError(err));
  }

  /**
   * Makes sure we read the FIFO that keepalived writes to; call it periodically. keepalived
   * deletes a FIFO it created itself when it stops, and creates a new one when it starts again
   * (seen with 2.2.7): a reader still holding the old one would never see another line. A missing
   * FIFO is created again (keepalived then uses ours and leaves it in place); a replaced one is
   * reopened, after delivering whatever was still unread in the old one.
   */
  follow(): Promise<FollowResult> {
    this.following ??= this.followOnce().finally(() => (this.following = undefined));
    return this.following;
  }

  private async followOnce(): Promise<FollowResult> {
    if (this.socket === null) return 'same';
    let current: string | null;
    try {
      const st = await fs.lstat(this.path);
      current = st.isFIFO() ? `${st.dev}:${st.ino}` : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      current = null;
    }
    if (current === this.identity) return 'same';
    await ensureFifo(this.path); // throws FifoError when the path is something else now
    if (this.socket === null) return 'same'; // stopped meanwhile
    this.drainAndClose();
    this.open();
    return current === null ? 'recreated' : 'reopened';
  }

  /** Reads what is left in the current FIFO synchronously (it is non-blocking), then closes it. */
  private drainAndClose(): void {
    const buffer = Buffer.alloc(4096);
    let text = '';
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd!, buffer, 0, buffer.length, null);
      } catch {
        break; // EAGAIN: empty
      }
      if (n <= 0) break;
      text += buffer.toString('utf8', 0, n);
    }
    if (text) this.consume(text);
    this.stop();
  }

  private consume(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) this.onLine(line);
  }

  stop(): void {
    this.socket?.destroy();
    this.socket = null;
    this.fd = null;
  }
}
