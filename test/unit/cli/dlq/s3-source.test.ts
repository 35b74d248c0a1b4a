import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDeadLetterKey } from '#cli/dlq/s3-source';
import { deadLetterKey } from '#shared/contract/dead-letter';

describe('parseDeadLetterKey', () => {
  it('reads back every key the contract builds', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z0-9._-]{1,64}$/),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.stringMatching(/^[0-9a-f]{16}$/),
        fc.constantFrom('dead-letters', 'a/b', ''),
        (subscription, deadLetteredAtMs, id, prefix) => {
          const key = deadLetterKey(prefix, { subscription, deadLetteredAtMs, id });
          expect(parseDeadLetterKey(prefix, key)).toEqual({ key, subscription, deadLetteredAtMs, id });
        },
      ),
    );
  });

  it('ignores keys outside the prefix or the layout', () => {
    expect(parseDeadLetterKey('dead-letters', 'other/orders/2026/11/27/1-a.json')).toBeUndefined();
    expect(parseDeadLetterKey('dead-letters', 'dead-letters/orders/notes.txt')).toBeUndefined();
    expect(parseDeadLetterKey('dead-letters', 'dead-letters/orders/2026/11/27/x-a.json')).toBeUndefined();
  });
});
