import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEUE_DELAY_MS, parseBatchResult } from '#shared/contract/batch-result';

const ids = ['0a1b2c3d4e5f6071', '0a1b2c3d4e5f6072', '0a1b2c3d4e5f6073'];

describe('parseBatchResult under arbitrary input', () => {
  it('never throws on arbitrary bytes or JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.json(), fc.string()), (payload) => {
        const result = parseBatchResult(payload, ids);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2_000 },
    );
  });

  it('never accepts an id outside the batch, a duplicate id, or an invalid delay', () => {
    const failure = fc.record(
      {
        itemIdentifier: fc.oneof(fc.constantFrom(...ids), fc.string({ maxLength: 20 })),
        action: fc.constantFrom('requeue', 'deadLetter', 'drop', undefined),
        delayMs: fc.oneof(
          fc.integer({ min: -10, max: MAX_REQUEUE_DELAY_MS + 10 }),
          fc.double(),
          fc.constant(undefined),
        ),
        reason: fc.oneof(fc.string({ maxLength: 10 }), fc.constant(undefined)),
      },
      { requiredKeys: ['itemIdentifier'] },
    );
    fc.assert(
      fc.property(fc.array(failure, { maxLength: 6 }), (failures) => {
        const result = parseBatchResult(JSON.stringify({ batchItemFailures: failures }), ids);
        if (!result.ok) return;
        // Accepted: every failure names a known id, once, with a valid action and delay.
        const named = failures.map((f) => f.itemIdentifier);
        expect(new Set(named).size).toBe(named.length);
        for (const f of failures) {
          expect(ids).toContain(f.itemIdentifier);
          expect(['requeue', 'deadLetter', undefined]).toContain(f.action);
          if (f.action === 'deadLetter') {
            expect(f.reason).toBeTruthy();
            expect(result.outcomes.get(f.itemIdentifier)).toEqual({ kind: 'deadLetter', reason: f.reason });
          } else {
            expect(result.outcomes.get(f.itemIdentifier)?.kind).toBe('requeue');
            if (f.delayMs !== undefined) {
              expect(Number.isInteger(f.delayMs)).toBe(true);
              expect(f.delayMs).toBeGreaterThanOrEqual(0);
              expect(f.delayMs).toBeLessThanOrEqual(MAX_REQUEUE_DELAY_MS);
            }
          }
        }
        // Every id of the batch has exactly one outcome.
        expect([...result.outcomes.keys()].sort()).toEqual([...ids].sort());
      }),
      { numRuns: 2_000 },
    );
  });
});
