/** The node agent's outbound events: sequence, spool, publisher. */
export * from './atomic-file';
export * from './backoff';
export * from './client';
export * from './factory';
export * from './log';
export * from './publisher';
export * from './put-events-result';
export * from './seq-store';
export * from './spool';
export * from './spool-policy';
