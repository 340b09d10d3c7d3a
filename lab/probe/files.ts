/** Where the lab's probe writes (docs/lab.md, "The lab directory"). */
import { join } from 'node:path';
import type { LabLayout } from '../layout';

export interface ProbeFiles {
  /** Every round's EMF lines, appended: what CloudWatch would receive. */
  readonly metrics: string;
  /** The latest round's summary (replaced atomically): what `eip-lab status` shows. */
  readonly latest: string;
  /** The probe process's own output (errors). */
  readonly log: string;
}

export function probeFiles(layout: LabLayout): ProbeFiles {
  const cloud = join(layout.dir, 'cloud');
  return { metrics: join(cloud, 'probe-metrics.jsonl'), latest: join(cloud, 'probe-latest.json'), log: join(cloud, 'probe.log') };
}
