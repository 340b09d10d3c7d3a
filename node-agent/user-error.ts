/** Exit codes shared by every command (documented in docs/agent.md). */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** An error whose message is already written for the operator; printed without a stack. */
export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}
