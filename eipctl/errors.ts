/** eipctl's exit codes (docs/eipctl.md) and errors: the agent's UserError (a message for the operator and an exit code). */
import { UserError } from '../node-agent/user-error';

export const EXIT = { ok: 0, failed: 1, badInput: 2, refused: 3, interrupted: 130 } as const;

export { UserError as EipctlError };

/** Bad command-line input: names the option and the fix. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, EXIT.badInput);
  }
}
