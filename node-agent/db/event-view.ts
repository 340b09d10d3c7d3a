/** The database part of an agent event (lib/events/schema.ts) from the adapter's richer view. */
import { MAX_GTID_LENGTH, MAX_TEXT_LENGTH, type DbView as EventDbView } from '../../lib/events/schema';
import type { DbView } from './local-database';

export function toEventDbView(view: DbView): EventDbView {
  const problems = [view.error, view.replication?.lastIoError, view.replication?.lastSqlError, ...view.warnings].filter((p): p is string => !!p);
  return {
    up: view.up,
    readOnly: view.readOnly,
    ioRunning: view.replication?.ioRunning ?? false,
    sqlRunning: view.replication?.sqlRunning ?? false,
    gtidCurrentPos: (view.gtidCurrentPos ?? '').slice(0, MAX_GTID_LENGTH),
    lagSeconds: view.lagSeconds,
    error: problems.length ? problems.join('; ').slice(0, MAX_TEXT_LENGTH) : null,
  };
}
