import { GtidStateError, parseGtidState } from '../../lib/mysql/gtid';
import { errantGtids, ownSequences, passiveWriteGtids } from '../../lambda/probe/core/gtid';

describe('parseGtidState', () => {
  test('streams of @@gtid_binlog_state, sequence numbers beyond 2^53 kept exact', () => {
    expect(parseGtidState('0-1-10,0-2-15, 1-1-18446744073709551615')).toEqual([
      { domain: 0, serverId: 1, seq: 10n },
      { domain: 0, serverId: 2, seq: 15n },
      { domain: 1, serverId: 1, seq: 18446744073709551615n },
    ]);
    expect(parseGtidState('')).toEqual([]);
  });

  test.each(['0-1', '0-1-x', '0-1-10;0-2-3', '0-1-10,'])('refuses %j', (text) => {
    expect(() => parseGtidState(text)).toThrow(GtidStateError);
  });
});

describe('errantGtids: what a read-only node has that the writer lacks', () => {
  const writerId = 2;
  test('in step: none', () => {
    expect(errantGtids(parseGtidState('0-1-10,0-2-15'), parseGtidState('0-1-10,0-2-15'), writerId)).toEqual([]);
  });

  test('behind (lag): none', () => {
    expect(errantGtids(parseGtidState('0-1-10,0-2-12'), parseGtidState('0-1-10,0-2-15'), writerId)).toEqual([]);
  });

  test('its own stream ahead of the writer’s copy of it: errant, the newest GTID named', () => {
    expect(errantGtids(parseGtidState('0-1-16,0-2-15'), parseGtidState('0-1-10,0-2-15'), writerId)).toEqual(['0-1-16']);
  });

  test('a stream the writer has never seen (another domain, a third server): errant', () => {
    expect(errantGtids(parseGtidState('0-1-10,0-2-15,7-1-3,0-9-4'), parseGtidState('0-1-10,0-2-15'), writerId)).toEqual(['7-1-3', '0-9-4']);
  });

  test('ahead in the writer’s own stream is a read race (it committed between the reads), not errant', () => {
    expect(errantGtids(parseGtidState('0-1-10,0-2-16'), parseGtidState('0-1-10,0-2-15'), writerId)).toEqual([]);
  });
});

describe('passiveWriteGtids: a read-only node’s own stream rising between rounds', () => {
  test('own sequences per domain, other servers ignored', () => {
    expect(ownSequences(parseGtidState('0-1-10,0-2-15,3-1-7'), 1)).toEqual({ 0: '10', 3: '7' });
    expect(ownSequences(parseGtidState('0-2-15'), 1)).toEqual({});
  });

  test('unchanged: none; risen: the newest GTID; a first write in a new domain counts', () => {
    expect(passiveWriteGtids({ 0: '10' }, { 0: '10' }, 1)).toEqual([]);
    expect(passiveWriteGtids({ 0: '10' }, { 0: '16' }, 1)).toEqual(['0-1-16']);
    expect(passiveWriteGtids({}, { 0: '17' }, 1)).toEqual(['0-1-17']);
    expect(passiveWriteGtids({ 0: '10' }, { 0: '10', 4: '2' }, 1)).toEqual(['4-1-2']);
  });
});
