import { describe, expect, it } from 'vitest';
import { admissionDecision } from '#bridge/admission';
import { compileFilters } from '#shared/filter/message-filter';

const kindA = compileFilters([{ body: { kind: ['a'] } }]);
const none = compileFilters(undefined);
const T = 1_700_000_000_000;

describe('admissionDecision', () => {
  // [filter, onFilteredOut, maxRecordAgeMs, onExpired, body, published ms before now, kind, action]
  const table = [
    [none, 'finish', undefined, 'deadLetter', 'x', 10 ** 9, 'admit', undefined],
    [kindA, 'finish', undefined, 'deadLetter', '{"kind":"a"}', 0, 'admit', undefined],
    [kindA, 'finish', undefined, 'deadLetter', '{"kind":"b"}', 0, 'filteredOut', 'finish'],
    [kindA, 'deadLetter', undefined, 'deadLetter', 'not json', 0, 'filteredOut', 'deadLetter'],
    [none, 'finish', 60_000, 'deadLetter', 'x', 60_000, 'admit', undefined],
    [none, 'finish', 60_000, 'deadLetter', 'x', 60_001, 'expired', 'deadLetter'],
    [none, 'finish', 60_000, 'drop', 'x', 60_001, 'expired', 'drop'],
    // Filtered out and expired: filtered out (never dead-lettered as expired).
    [kindA, 'finish', 60_000, 'deadLetter', '{"kind":"b"}', 120_000, 'filteredOut', 'finish'],
    [kindA, 'finish', 60_000, 'deadLetter', '{"kind":"a"}', 120_000, 'expired', 'deadLetter'],
  ] as const;
  it.each(table)(
    '%#: %s/%s age %s/%s, body %s, %d ms old → %s %s',
    (filter, onFilteredOut, max, onExpired, body, ageMs, kind, action) => {
      const d = admissionDecision(
        filter,
        { onFilteredOut, onExpired, ...(max !== undefined && { maxRecordAgeMs: max }) },
        { body: Buffer.from(body), timestampMs: T - ageMs },
        T,
      );
      expect(d.kind).toBe(kind);
      if (d.kind !== 'admit') expect(d.action).toBe(action);
    },
  );
});
