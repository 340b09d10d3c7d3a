import { decideFencing, FencingInput, FencingReason, isMasterState } from '../../node-agent/fencing/decide';

const T0 = 1_700_000_000_000;
const bounds = { eipWaitMs: 10_000, catchUpWaitMs: 30_000 };

type Overrides = Partial<Omit<FencingInput, 'db'>> & { db?: Partial<FencingInput['db']> };

/** A MASTER that has held the EIP for 1 s, fenced, replica caught up: the happy unfence. */
function input(over: Overrides = {}): FencingInput {
  const { db, ...rest } = over;
  return {
    vrrpState: 'MASTER',
    keepalivedAlive: true,
    eipHolder: 'self',
    masterSinceMs: T0,
    nowMs: T0 + 1_000,
    bounds,
    ...rest,
    db: { up: true, readOnly: true, caughtUp: true, ...db },
  };
}

type Row = [string, Overrides, boolean | 'leave', FencingReason, boolean];

// [case, input overrides, desired read_only, reason, warns]
const table: Row[] = [
  // Anything but MASTER fences at once, whatever the EIP and the database say.
  ['BACKUP', { vrrpState: 'BACKUP', masterSinceMs: null }, true, 'vrrp-not-master', false],
  ['FAULT', { vrrpState: 'FAULT', masterSinceMs: null }, true, 'vrrp-not-master', false],
  ['STOP', { vrrpState: 'STOP', masterSinceMs: null }, true, 'vrrp-not-master', false],
  ['BACKUP even with the EIP on this node and a writable db', { vrrpState: 'BACKUP', db: { readOnly: false } }, true, 'vrrp-not-master', false],
  ['UNKNOWN (agent just started)', { vrrpState: 'UNKNOWN', masterSinceMs: null, db: { readOnly: false } }, true, 'vrrp-unknown', false],
  ['keepalived dead while MASTER with the EIP', { keepalivedAlive: false, db: { readOnly: false } }, true, 'keepalived-dead', false],
  ['keepalived dead beats UNKNOWN', { keepalivedAlive: false, vrrpState: 'UNKNOWN' }, true, 'keepalived-dead', false],
  // MASTER without the EIP: fenced; after the EIP bound it warns but never unfences.
  ['MASTER, EIP on the other node', { eipHolder: 'other' }, true, 'eip-on-other-node', false],
  ['MASTER, EIP on the other node past the bound', { eipHolder: 'other', nowMs: T0 + 10_000 }, true, 'eip-on-other-node', true],
  ['writer sees the EIP moved away', { eipHolder: 'other', nowMs: T0 + 600_000, db: { readOnly: false } }, true, 'eip-on-other-node', true],
  ['MASTER, EIP not associated', { eipHolder: 'none' }, true, 'eip-not-associated', false],
  ['MASTER, EIP not associated past the bound', { eipHolder: 'none', nowMs: T0 + 10_001 }, true, 'eip-not-associated', true],
  ['MASTER, EIP holder unknown, fenced', { eipHolder: 'unknown' }, true, 'eip-unknown-while-fenced', false],
  ['MASTER, EIP holder unknown past the bound', { eipHolder: 'unknown', nowMs: T0 + 40_000 }, true, 'eip-unknown-while-fenced', true],
  ['MASTER, EIP holder unknown, db state unknown', { eipHolder: 'unknown', db: { up: false, readOnly: null } }, true, 'eip-unknown-while-fenced', false],
  ['writer, EIP holder unknown: leave it', { eipHolder: 'unknown', db: { readOnly: false } }, 'leave', 'eip-unknown-while-writable', true],
  // MASTER with the EIP: unfence once caught up, or once the catch-up bound expired.
  ['MASTER, EIP here, caught up', {}, false, 'caught-up', false],
  ['MASTER_RX_LOWER_PRI counts as MASTER', { vrrpState: 'MASTER_RX_LOWER_PRI' }, false, 'caught-up', false],
  ['MASTER, EIP here, already writable', { db: { readOnly: false, caughtUp: false } }, false, 'already-writable', false],
  ['MASTER, EIP here, behind, within bound', { db: { caughtUp: false }, nowMs: T0 + 29_999 }, true, 'waiting-for-catch-up', false],
  ['MASTER, EIP here, catch-up unknown, within bound', { db: { caughtUp: 'unknown' } }, true, 'waiting-for-catch-up', false],
  ['MASTER, EIP here, behind, bound expired', { db: { caughtUp: false }, nowMs: T0 + 30_000 }, false, 'catch-up-wait-expired', true],
  ['MASTER, EIP here, catch-up unknown, bound expired', { db: { caughtUp: 'unknown' }, nowMs: T0 + 31_000 }, false, 'catch-up-wait-expired', true],
  [
    'bound expired with onCatchUpExpiry=stay-fenced',
    { db: { caughtUp: false }, nowMs: T0 + 31_000, bounds: { ...bounds, onCatchUpExpiry: 'stay-fenced' } },
    true,
    'catch-up-wait-expired',
    true,
  ],
  ['missing masterSince counts as just now', { masterSinceMs: null, db: { caughtUp: false }, nowMs: T0 + 999_999 }, true, 'waiting-for-catch-up', false],
  ['a clock step back counts as just now', { nowMs: T0 - 5_000, db: { caughtUp: false } }, true, 'waiting-for-catch-up', false],
];

describe('decideFencing', () => {
  test.each(table)('%s', (_name, over, readOnly, reason, warns) => {
    const decision = decideFencing(input(over));
    expect(decision.readOnly).toBe(readOnly);
    expect(decision.reason).toBe(reason);
    expect(decision.warning !== undefined).toBe(warns);
    expect(decision.detail.length).toBeGreaterThan(0);
  });

  test('the loud catch-up expiry warning says what is at risk', () => {
    const d = decideFencing(input({ db: { caughtUp: false }, nowMs: T0 + 30_000 }));
    expect(d.warning).toMatch(/^UNFENCING WITHOUT CATCH-UP: replica still behind after the 30000 ms bound/);
  });

  test('the EIP bound warning names the elapsed time and the bound', () => {
    const d = decideFencing(input({ eipHolder: 'none', nowMs: T0 + 12_345 }));
    expect(d.warning).toBe('MASTER for 12345 ms (bound 10000 ms) but the EIP is not associated; staying read_only');
  });

  test('no input combination unfences without MASTER, a live keepalived and the EIP', () => {
    const states = ['MASTER', 'MASTER_RX_LOWER_PRI', 'BACKUP', 'FAULT', 'STOP', 'UNKNOWN'] as const;
    const holders = ['self', 'other', 'none', 'unknown'] as const;
    for (const vrrpState of states)
      for (const eipHolder of holders)
        for (const keepalivedAlive of [true, false])
          for (const readOnly of [true, false, null])
            for (const caughtUp of [true, false, 'unknown'] as const)
              for (const nowMs of [T0, T0 + 10_000_000]) {
                const d = decideFencing(input({ vrrpState, eipHolder, keepalivedAlive, nowMs, db: { readOnly, caughtUp } }));
                const writerAllowed = isMasterState(vrrpState) && keepalivedAlive && eipHolder === 'self';
                if (d.readOnly === false) expect(writerAllowed).toBe(true);
                // 'leave' only ever keeps an already writable MASTER that cannot see the EIP.
                if (d.readOnly === 'leave') expect([vrrpState !== 'UNKNOWN', keepalivedAlive, eipHolder, readOnly]).toEqual([true, true, 'unknown', false]);
              }
  });
});
