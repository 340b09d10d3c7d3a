/** docs/metrics.md documents every metric of the catalog, every failure reason and every probe variable. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTROLLER_METRIC, PROBE_FAILURE_REASONS, PROBE_NODE_METRIC, PROBE_PAIR_METRIC } from '../../lib/metrics/catalog';
import { PROBE_ENV } from '../../lambda/probe/settings';

const doc = readFileSync(join(__dirname, '../../docs/metrics.md'), 'utf8');
/** First cells of the doc's table rows: `| \`Name\` ...`. */
const rowNames = new Set([...doc.matchAll(/^\| `([A-Za-z0-9_-]+)`/gm)].map((m) => m[1]));

test.each([...Object.values(PROBE_NODE_METRIC), ...Object.values(PROBE_PAIR_METRIC), ...Object.values(CONTROLLER_METRIC)])('metric %s has a row', (name) => {
  expect(rowNames).toContain(name);
});

test.each([...PROBE_FAILURE_REASONS])('failure reason %s has a row', (reason) => {
  expect(rowNames).toContain(reason);
});

test.each([...Object.values(PROBE_ENV), 'EIP_FAILOVER_CONFIG_REF'])('variable %s has a row', (name) => {
  expect(rowNames).toContain(name);
});

test('the namespace and the dimension names are the catalog’s', () => {
  expect(doc).toContain('**Namespace:** `EipFailover`');
  for (const d of ['`ClusterName`', '`Target`', '`Reason`', '`eip`']) expect(doc).toContain(d);
});
