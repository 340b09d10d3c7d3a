/**
 * The lab's probe process (`eip-lab _probe`, started by the supervisor in the gateway namespace,
 * where a Lambda in the pair's VPC would be): the Lambda's round runner with the same mysql2
 * adapter, connecting to the nodes' private IPs as the probe user, every `everyMs` until SIGTERM.
 * Config and password come from the lab's files (the lab's stand-ins for SSM and Secrets Manager).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { parseClusterConfigText } from '../../lib/config/parse';
import { passwordFromFileText } from '../../node-agent/mysql/connection';
import { Mysql2Probe } from '../../lambda/probe/adapters/mysql2-probe';
import { systemProbeClock } from '../../lambda/probe/adapters/system-clock';
import { ProbeRunner } from '../../lambda/probe/runner';
import { labLayout } from '../layout';
import { LabEipMapping, LabFileSink } from './adapters';
import { probeFiles } from './files';

export interface LabProbeOptions {
  /** The lab directory (`/run/eip-lab/<name>`). */
  readonly labDir: string;
  readonly everyMs: number;
  readonly connectTimeoutMs: number;
}

export async function runLabProbe(o: LabProbeOptions): Promise<void> {
  const layout = labLayout(basename(o.labDir), dirname(o.labDir));
  const configFile = layout.node('db-a').config;
  const config = parseClusterConfigText(readFileSync(configFile, 'utf8'), configFile);
  const password = passwordFromFileText(readFileSync(config.mysql.probePasswordFile, 'utf8'));
  const clock = systemProbeClock;
  const runner = new ProbeRunner({
    config,
    mysql: new Mysql2Probe({ user: config.mysql.probeUser, password, connectTimeoutMs: o.connectTimeoutMs, clock }),
    eip: new LabEipMapping(config, layout),
    clock,
    limits: { connectTimeoutMs: o.connectTimeoutMs, queryTimeoutMs: o.connectTimeoutMs },
    sink: new LabFileSink(probeFiles(layout)),
    onError: (message, err) => console.error(`[${new Date().toISOString()}] ${message}: ${err instanceof Error ? err.stack : String(err)}`),
  });
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  console.error(`[${new Date().toISOString()}] probing ${config.nodes.map((n) => `${n.id} ${n.privateIp}:${config.mysql.port}`).join(', ')} every ${o.everyMs} ms`);
  await runner.runWindow({ everyMs: o.everyMs, windowMs: Infinity, stopAtMs: Infinity, signal: stop.signal });
}
