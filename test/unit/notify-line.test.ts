import { parseNotifyLine } from '../../node-agent/daemon/notify-line';
import { inferVrrpState } from '../../node-agent/daemon/keepalived-watch';

describe('parseNotifyLine', () => {
  it.each(['MASTER', 'BACKUP', 'FAULT', 'STOP', 'MASTER_RX_LOWER_PRI'] as const)('reads a %s line', (state) => {
    expect(parseNotifyLine(`INSTANCE "eip_orders_db" ${state} 150`, 'eip_orders_db')).toEqual({
      kind: 'transition',
      transition: { instance: 'eip_orders_db', state, priority: 150 },
    });
  });

  it('tolerates the trailing newline and spaces keepalived may leave', () => {
    expect(parseNotifyLine('INSTANCE "eip_orders_db" BACKUP 100 \n', 'eip_orders_db').kind).toBe('transition');
  });

  it('ignores other instances and sync groups, saying why', () => {
    expect(parseNotifyLine('INSTANCE "VI_9" MASTER 100', 'eip_orders_db')).toEqual({ kind: 'ignored', reason: 'instance "VI_9" is not "eip_orders_db"' });
    expect(parseNotifyLine('GROUP "G1" MASTER', 'eip_orders_db')).toEqual({ kind: 'ignored', reason: 'GROUP line' });
  });

  it.each([
    ['', /not a keepalived notify line/],
    ['hello', /not a keepalived notify line/],
    ['INSTANCE eip_orders_db MASTER 150', /not a keepalived notify line/],
    ['INSTANCE "eip_orders_db" PRIMARY 150', /unknown VRRP state "PRIMARY"/],
  ])('flags %j as malformed', (line, reason) => {
    const parsed = parseNotifyLine(line, 'eip_orders_db');
    expect(parsed.kind).toBe('malformed');
    expect(parsed.kind === 'malformed' && parsed.reason).toMatch(reason);
  });
});

describe('inferVrrpState (daemon start between transitions)', () => {
  it('is MASTER only when keepalived runs and holds the marker', () => {
    expect(inferVrrpState(true, true)).toBe('MASTER');
  });
  it('stays UNKNOWN (fenced) without the marker, or when keepalived is dead but left it behind', () => {
    expect(inferVrrpState(true, false)).toBe('UNKNOWN');
    expect(inferVrrpState(false, true)).toBe('UNKNOWN');
    expect(inferVrrpState(false, false)).toBe('UNKNOWN');
  });
});
