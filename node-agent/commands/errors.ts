import { ConfigUnavailableError } from '../../lib/config/load';
import { ImdsError } from '../aws/imds';
import { EXIT, UserError } from '../user-error';
import { ConfigTestFailedError } from '../keepalived/apply';
import { UnknownNodeError } from '../keepalived/render';

/** Maps the expected failures of agent commands to operator-facing errors with exit codes. */
export function toUserError(err: unknown): unknown {
  if (err instanceof UnknownNodeError) return new UserError(err.message, EXIT.badInput);
  if (err instanceof ConfigUnavailableError || err instanceof ImdsError || err instanceof ConfigTestFailedError) {
    return new UserError(err.message, EXIT.failed);
  }
  return err;
}
