/** The publisher's pure rules: how long to wait before a retry, and which entries to resend. */
import { backoffDelayMs } from '../../node-agent/events/backoff';
import { classifyPutEventsResult } from '../../node-agent/events/put-events-result';

describe('backoffDelayMs', () => {
  const options = { baseMs: 100, maxMs: 1000 };
  test.each([
    [1, 50, 100],
    [2, 100, 200],
    [3, 200, 400],
    [4, 400, 800],
    [5, 500, 1000],
    [60, 500, 1000],
  ])('retry %i waits between %i and %i ms', (attempt, low, high) => {
    expect(backoffDelayMs(attempt, options, () => 0)).toBe(low);
    expect(backoffDelayMs(attempt, options, () => 0.999999)).toBe(high);
  });

  test('jitter spreads the delays', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3, options)));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('classifyPutEventsResult', () => {
  test('all accepted', () => {
    expect(classifyPutEventsResult(2, { FailedEntryCount: 0, Entries: [{ EventId: 'a' }, { EventId: 'b' }] })).toEqual({ accepted: [0, 1], failed: [] });
  });

  test('only the entries with an ErrorCode are to be resent, by position', () => {
    const output = {
      FailedEntryCount: 2,
      Entries: [{ EventId: 'a' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }, { EventId: 'c' }, { ErrorCode: 'InternalFailure' }],
    };
    expect(classifyPutEventsResult(4, output)).toEqual({
      accepted: [0, 2],
      failed: [
        { index: 1, code: 'ThrottlingException', message: 'slow down' },
        { index: 3, code: 'InternalFailure', message: '' },
      ],
    });
  });

  test('an entry without an EventId is not taken as accepted', () => {
    expect(classifyPutEventsResult(1, { FailedEntryCount: 0, Entries: [{}] }).failed).toEqual([{ index: 0, code: 'MissingEventId', message: '' }]);
  });

  test('a response that does not line up: all resent when it reports failures, all accepted when it reports none', () => {
    expect(classifyPutEventsResult(3, { FailedEntryCount: 1, Entries: [{ EventId: 'a' }] })).toMatchObject({ accepted: [], failed: [{ index: 0 }, { index: 1 }, { index: 2 }] });
    expect(classifyPutEventsResult(2, { FailedEntryCount: 0 })).toEqual({ accepted: [0, 1], failed: [] });
  });
});
