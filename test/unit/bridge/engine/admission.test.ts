import { describe, expect, it } from 'vitest';
import { type ArrivalState, admit } from '#bridge/engine/admission';

const arrival = (s: Partial<ArrivalState> = {}): ArrivalState => ({
  draining: false,
  toggleStopped: false,
  toggleRequeueDelayMs: 30_000,
  attempts: 1,
  maxAttempts: 5,
  oversize: undefined,
  matchesFilters: true,
  onFilteredOut: 'finish',
  publishedAtMs: 1_000_000,
  nowMs: 1_000_000,
  maxRecordAgeMs: undefined,
  onExpired: 'deadLetter',
  ...s,
});

describe('admit', () => {
  const table: Array<[string, Partial<ArrivalState>, unknown]> = [
    ['a fresh message queues', {}, { kind: 'queue' }],
    ['its last attempt still queues', { attempts: 5 }, { kind: 'queue' }],
    [
      'draining requeues at once',
      { draining: true, attempts: 9 },
      { kind: 'requeue', delayMs: 0, cause: 'draining' },
    ],
    [
      'a stopped toggle requeues with its delay',
      { toggleStopped: true },
      { kind: 'requeue', delayMs: 30_000, cause: 'toggle stopped' },
    ],
    [
      'past maxAttempts dead-letters',
      { attempts: 6, oversize: 'too big' },
      {
        kind: 'deadLetter',
        reasonKind: 'maxAttempts',
        reason: 'delivered 6 times (maxAttempts 5); earlier deliveries timed out or failed',
      },
    ],
    [
      'matching no filter, it is filtered out (finish), before age, attempts and size',
      { matchesFilters: false, maxRecordAgeMs: 1_000, nowMs: 9_000_000, attempts: 9, oversize: 'too big' },
      { kind: 'filteredOut', action: 'finish', reason: "matched none of the subscription's filters" },
    ],
    [
      'matching no filter, dead-lettered when onFilteredOut says so',
      { matchesFilters: false, onFilteredOut: 'deadLetter' },
      { kind: 'filteredOut', action: 'deadLetter', reason: "matched none of the subscription's filters" },
    ],
    [
      'a stopped toggle requeues even a message that matches no filter',
      { toggleStopped: true, matchesFilters: false },
      { kind: 'requeue', delayMs: 30_000, cause: 'toggle stopped' },
    ],
    ['at the age limit it queues', { maxRecordAgeMs: 60_000, nowMs: 1_060_000 }, { kind: 'queue' }],
    [
      'past the age limit it expires (dead letter), before attempts and size',
      { maxRecordAgeMs: 60_000, nowMs: 1_060_001, attempts: 9, oversize: 'too big' },
      {
        kind: 'expired',
        action: 'deadLetter',
        ageMs: 60_001,
        reason: 'received 60001 ms after it was published, over maxRecordAgeMs (60000)',
      },
    ],
    [
      'past the age limit with onExpired drop',
      { maxRecordAgeMs: 60_000, nowMs: 1_060_001, onExpired: 'drop' },
      {
        kind: 'expired',
        action: 'drop',
        ageMs: 60_001,
        reason: 'received 60001 ms after it was published, over maxRecordAgeMs (60000)',
      },
    ],
    [
      'oversize dead-letters undeliverable',
      { oversize: 'too big' },
      { kind: 'deadLetter', reasonKind: 'undeliverable', reason: 'too big' },
    ],
  ];
  it.each(table)('%s', (_name, s, admission) => {
    expect(admit(arrival(s))).toEqual(admission);
  });
});
