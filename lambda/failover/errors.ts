/**
 * Failures that end an invocation with an exception, so that Lambda's retries and the on-failure
 * destination take over (the reconcile tick repairs whatever they do not).
 */
export class ControllerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** EC2 could not tell where the EIP or the instances are (after the SDK's retries). */
export class ObservationError extends ControllerError {}

/** AssociateAddress failed for good. */
export class MoveFailedError extends ControllerError {}

/** AssociateAddress answered, but DescribeAddresses did not show the new association in time. */
export class MoveUnconfirmedError extends ControllerError {}

/** Other invocations kept writing the state between our read and our write. */
export class StateConflictError extends ControllerError {}

export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
