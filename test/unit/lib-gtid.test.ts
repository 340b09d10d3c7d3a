import { gtidCovers, parseGtidPos } from '../../lib/mysql/gtid';

describe('parseGtidPos', () => {
  it('maps each domain to its last sequence number, as bigint', () => {
    expect(parseGtidPos('0-1-1042, 2-2-7')).toEqual(new Map([[0, 1042n], [2, 7n]]));
    expect(parseGtidPos('')).toEqual(new Map());
  });
  it('keeps 64-bit sequence numbers exact', () => {
    expect(parseGtidPos('1-1-18446744073709551615')!.get(1)).toBe(18446744073709551615n);
  });
  it('is null for anything that is not domain-server_id-seq', () => {
    for (const bad of ['0-1', 'x-1-2', '0-1-2,,garbage', '0-1-2;1-1-3']) expect(parseGtidPos(bad)).toBeNull();
  });
});

describe('gtidCovers', () => {
  it('needs every domain of the reference at or beyond its sequence number', () => {
    expect(gtidCovers('1-1-10,2-2-5', '1-1-10,2-2-5')).toBe(true);
    expect(gtidCovers('1-1-11,2-2-5', '1-1-10')).toBe(true);
    expect(gtidCovers('1-1-9,2-2-5', '1-1-10,2-2-5')).toBe(false);
    // Each node logs in its own domain: a domain the candidate never saw is not covered.
    expect(gtidCovers('1-1-10', '1-1-10,2-2-1')).toBe(false);
    expect(gtidCovers('1-1-1', '')).toBe(true);
  });
  it('compares beyond 2^53 without rounding', () => {
    expect(gtidCovers('0-1-9007199254740992', '0-1-9007199254740993')).toBe(false);
  });
  it('is false when either side is malformed', () => {
    expect(gtidCovers('garbage', '0-1-1')).toBe(false);
    expect(gtidCovers('0-1-1', 'garbage')).toBe(false);
  });
});
