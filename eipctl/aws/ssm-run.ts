/**
 * Running a command on the nodes with SSM Run Command (AWS-RunShellScript) and waiting for its
 * output: SendCommand once, then GetCommandInvocation per instance until a final status. Right after
 * SendCommand an invocation may not exist yet (InvocationDoesNotExist): that is waited out too.
 */
import { GetCommandInvocationCommand, SendCommandCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { EipctlError } from '../errors';

export interface SsmRunResult {
  readonly instanceId: string;
  /** Success, Failed, TimedOut, Cancelled (or Undeliverable-style details in `detail`). */
  readonly status: string;
  readonly detail: string;
  /** The script's exit code; -1 when it did not run. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SsmRunOptions {
  /** Shown in the SSM console and CloudTrail: who ran it and why. */
  readonly comment: string;
  /** executionTimeout of the script. */
  readonly timeoutSeconds: number;
  /** @default 500 */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Called once with the command id after SendCommand. */
  readonly onSent?: (commandId: string) => void;
}

const FINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);
/** SendCommand's TimeoutSeconds (delivery to a node that is offline); 30 is SSM's minimum. */
export const DELIVERY_TIMEOUT_S = 30;

export async function runShellOnInstances(ssm: SSMClient, instanceIds: readonly string[], command: string, o: SsmRunOptions): Promise<SsmRunResult[]> {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = o.now ?? Date.now;
  const sent = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: [...instanceIds],
      Parameters: { commands: [command], executionTimeout: [String(o.timeoutSeconds)] },
      TimeoutSeconds: DELIVERY_TIMEOUT_S,
      Comment: o.comment.slice(0, 100),
    }),
  );
  const commandId = sent.Command?.CommandId;
  if (!commandId) throw new EipctlError(`SSM SendCommand returned no command id for ${instanceIds.join(', ')}`);
  o.onSent?.(commandId);
  const deadline = now() + (o.timeoutSeconds + DELIVERY_TIMEOUT_S + 10) * 1000;
  return Promise.all(
    instanceIds.map(async (InstanceId): Promise<SsmRunResult> => {
      for (;;) {
        try {
          const out = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId }));
          const status = out.Status ?? 'Pending';
          if (FINAL.has(status)) {
            return { instanceId: InstanceId, status, detail: out.StatusDetails ?? status, exitCode: out.ResponseCode ?? -1, stdout: out.StandardOutputContent ?? '', stderr: out.StandardErrorContent ?? '' };
          }
        } catch (err) {
          if ((err as Error).name !== 'InvocationDoesNotExist') throw err;
        }
        if (now() > deadline) throw new EipctlError(`SSM command ${commandId} on ${InstanceId} had no final status after ${o.timeoutSeconds + DELIVERY_TIMEOUT_S} s`);
        await sleep(o.pollMs ?? 500);
      }
    }),
  );
}
