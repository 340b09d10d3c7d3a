/** Reading a PutEvents response: which entries were accepted, which must be resent. */

export interface EntryFailure {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

export interface BatchOutcome {
  readonly accepted: readonly number[];
  readonly failed: readonly EntryFailure[];
}

interface ResultEntry {
  readonly EventId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

/**
 * Entry i of the response answers entry i of the request. An entry is accepted only with an
 * EventId and no ErrorCode. A response that does not line up with the request while reporting
 * failures is treated as all failed: resending can duplicate (consumers dedupe by epoch/seq) but
 * never lose an event.
 */
export function classifyPutEventsResult(
  sent: number,
  output: { readonly FailedEntryCount?: number; readonly Entries?: readonly ResultEntry[] },
): BatchOutcome {
  const entries = output.Entries ?? [];
  const failedCount = output.FailedEntryCount ?? 0;
  const all = Array.from({ length: sent }, (_, i) => i);
  if (entries.length !== sent) {
    if (failedCount === 0) return { accepted: all, failed: [] };
    const message = `response has ${entries.length} entries for ${sent} sent and FailedEntryCount ${failedCount}`;
    return { accepted: [], failed: all.map((index) => ({ index, code: 'UnmatchedResponse', message })) };
  }
  const accepted: number[] = [];
  const failed: EntryFailure[] = [];
  entries.forEach((e, index) => {
    if (e.EventId && !e.ErrorCode) accepted.push(index);
    else failed.push({ index, code: e.ErrorCode ?? 'MissingEventId', message: e.ErrorMessage ?? '' });
  });
  return { accepted, failed };
}
