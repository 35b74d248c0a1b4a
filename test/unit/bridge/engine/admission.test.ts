import { describe, expect, it } from 'vitest';
import { type ArrivalState, admit } from '#bridge/engine/admission';

const arrival = (s: Partial<ArrivalState> = {}): ArrivalState => ({
  draining: false,
  toggleStopped: false,
  toggleRequeueDelayMs: 30_000,
  attempts: 1,
  maxAttempts: 5,
  oversize: undefined,
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
      'oversize dead-letters undeliverable',
      { oversize: 'too big' },
      { kind: 'deadLetter', reasonKind: 'undeliverable', reason: 'too big' },
    ],
  ];
  it.each(table)('%s', (_name, s, admission) => {
    expect(admit(arrival(s))).toEqual(admission);
  });
});
