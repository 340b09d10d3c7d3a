import { spawn } from 'node:child_process';

export interface ConfigTestResult {
  readonly ok: boolean;
  /** keepalived's exit code; null when it was killed (timeout) or could not start. */
  readonly exitCode: number | null;
  /** What keepalived printed (stdout and stderr), trimmed. */
  readonly output: string;
}

export interface ConfigTestOptions {
  /** @default 'keepalived' (from PATH, /usr/sbin included) */
  readonly keepalivedBin?: string;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * Runs `keepalived --config-test -f FILE`. Only exit code 0 passes: 2.2.7 exits non-zero for a
 * missing interface, an insecure or missing track script and other problems it merely logs.
 */
export function keepalivedConfigTest(confPath: string, options: ConfigTestOptions = {}): Promise<ConfigTestResult> {
  const bin = options.keepalivedBin ?? 'keepalived';
  return new Promise((resolve) => {
    const child = spawn(bin, ['--config-test', '-f', confPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 10000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, exitCode: null, output: `cannot run ${bin}: ${err.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, exitCode: code, output: output.trim() });
    });
  });
}
