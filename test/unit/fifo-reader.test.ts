/** The FIFO reader against a real FIFO: order kept, writers that come and go, no EOF exit. */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FifoError, NotifyFifoReader, ensureFifo } from '../../node-agent/daemon/fifo-reader';

const waitUntil = async (what: string, ok: () => boolean, timeoutMs = 3000) => {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('NotifyFifoReader', () => {
  let dir: string;
  let reader: NotifyFifoReader | undefined;
  const afterEachKill: (() => void)[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'eip-fifo-'))));
  afterEach(() => {
    afterEachKill.splice(0).forEach((kill) => kill());
    reader?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the FIFO and delivers every line in order across writers that open and close it (keepalived reloads)', async () => {
    const path = join(dir, 'sub', 'k.fifo');
    const lines: string[] = [];
    reader = new NotifyFifoReader(path, (l) => lines.push(l));
    await reader.start();
    expect(lstatSync(path).isFIFO()).toBe(true);
    // Each shell invocation opens the FIFO, writes, and closes it: what keepalived does on SIGHUP.
    for (let w = 0; w < 5; w++) {
      execFileSync('sh', ['-c', `for i in 1 2 3 4; do echo "INSTANCE \\"x\\" MASTER ${w}$i"; done > ${path}`]);
    }
    await waitUntil('20 lines', () => lines.length === 20);
    expect(lines.map((l) => l.split(' ')[3])).toEqual(Array.from({ length: 20 }, (_, k) => `${Math.floor(k / 4)}${(k % 4) + 1}`));
  });

  it('joins a line split across two writes', async () => {
    const path = join(dir, 'k.fifo');
    const lines: string[] = [];
    reader = new NotifyFifoReader(path, (l) => lines.push(l));
    await reader.start();
    execFileSync('sh', ['-c', `printf 'INSTANCE "x" BAC' > ${path}; sleep 0.1; printf 'KUP 100\\n' > ${path}`]);
    await waitUntil('one line', () => lines.length === 1);
    expect(lines).toEqual(['INSTANCE "x" BACKUP 100']);
  });

  it('reads lines written before it started (they wait in the pipe while someone holds it open)', async () => {
    const path = join(dir, 'k.fifo');
    await ensureFifo(path);
    // A holder keeps the pipe open the way keepalived does, so the line stays buffered.
    const holder = spawn('sh', ['-c', `exec 3<>${path}; echo 'INSTANCE "x" FAULT 100' >&3; exec sleep 30 <&3`], { stdio: 'ignore' });
    afterEachKill.push(() => holder.kill('SIGKILL'));
    await new Promise((r) => setTimeout(r, 300));
    const lines: string[] = [];
    reader = new NotifyFifoReader(path, (l) => lines.push(l));
    await reader.start();
    await waitUntil('the buffered line', () => lines.length === 1);
    expect(lines).toEqual(['INSTANCE "x" FAULT 100']);
  });

  it('follows the FIFO when keepalived deletes it (it does, for a FIFO it created) and when another replaces it', async () => {
    const path = join(dir, 'k.fifo');
    const lines: string[] = [];
    reader = new NotifyFifoReader(path, (l) => lines.push(l));
    await reader.start();
    expect(await reader.follow()).toBe('same');

    // Deleted (keepalived stopping): created again, so the next keepalived uses ours.
    rmSync(path);
    expect(await reader.follow()).toBe('recreated');
    expect(lstatSync(path).isFIFO()).toBe(true);
    execFileSync('sh', ['-c', `echo 'INSTANCE "x" BACKUP 1' > ${path}`]);
    await waitUntil('a line through the recreated FIFO', () => lines.length === 1);

    // Replaced (keepalived started first and made its own): a line left unread in the old FIFO
    // and one waiting in the new FIFO both arrive, in that order.
    const oldHolder = spawn('sh', ['-c', `exec 3<>${path}; echo 'INSTANCE "x" MASTER 2' >&3; exec sleep 30 <&3`], { stdio: 'ignore' });
    afterEachKill.push(() => oldHolder.kill('SIGKILL'));
    await waitUntil('the line in the old FIFO', () => lines.length === 2);
    rmSync(path);
    execFileSync('mkfifo', ['-m', '0600', path]);
    const newHolder = spawn('sh', ['-c', `exec 3<>${path}; echo 'INSTANCE "x" STOP 3' >&3; exec sleep 30 <&3`], { stdio: 'ignore' });
    afterEachKill.push(() => newHolder.kill('SIGKILL'));
    await new Promise((r) => setTimeout(r, 300));
    expect(lines).toHaveLength(2); // still reading the old one
    expect(await reader.follow()).toBe('reopened');
    await waitUntil('the line waiting in the new FIFO', () => lines.length === 3);
    expect(lines.map((l) => l.split(' ')[2])).toEqual(['BACKUP', 'MASTER', 'STOP']);
    expect(await reader.follow()).toBe('same');
  });

  it('refuses a path that exists and is not a FIFO, naming the setting', async () => {
    const path = join(dir, 'plain');
    writeFileSync(path, '');
    await expect(ensureFifo(path)).rejects.toThrow(FifoError);
    await expect(ensureFifo(path)).rejects.toThrow(/agent\.notifyFifo/);
  });
});
