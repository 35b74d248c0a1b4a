/**
 * Randomised invariants of the engine: whatever the function answers, every delivery gets exactly one
 * answer, dead letters are written before their FIN, batches respect the limits and never repeat an id,
 * and the concurrency cap holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SubscriptionRunner } from '#bridge/engine/subscription-runner';
import { BridgeEventEmitter } from '#bridge/events';
import type { InvokeResult } from '#bridge/ports';
import { systemClock } from '#bridge/ports';
import { TouchManager } from '#bridge/touch-manager';
import { waitFor } from '#dev/services/wait';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import { FakeDelivery, FakeInvoker, FakeSource, ok, subscriptionConfig } from '../fakes.ts';

const outcomeKinds = [
  'ok',
  'partial',
  'malformed',
  'functionError',
  'ambiguous',
  'throttled',
  'tooLarge',
  'notExecuted',
] as const;

function resultFor(kind: (typeof outcomeKinds)[number], event: NsqBatchEvent, pick: number): InvokeResult {
  const ids = event.messages.map((m) => m.id);
  switch (kind) {
    case 'ok':
      return ok();
    case 'partial':
      return ok({
        batchItemFailures: ids
          .filter((_, i) => (i + pick) % 3 === 0)
          .map((id, i) =>
            i % 2 === 0
              ? { itemIdentifier: id, delayMs: 10 }
              : { itemIdentifier: id, action: 'deadLetter', reason: 'bad' },
          ),
      });
    case 'malformed':
      return ok({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] });
    case 'functionError':
      return { kind: 'functionError', errorType: 'Error', errorMessage: 'boom', durationMs: 1 };
    case 'ambiguous':
      return { kind: 'ambiguous', errorType: 'TimeoutError', message: 'timeout', durationMs: 1 };
    case 'throttled':
      return { kind: 'throttled', reason: 'ConcurrentInvocationLimitExceeded', durationMs: 1 };
    case 'tooLarge':
      return { kind: 'tooLarge', message: 'too large', durationMs: 1 };
    case 'notExecuted':
      return { kind: 'notExecuted', errorType: 'ECONNREFUSED', message: 'refused', durationMs: 1 };
  }
}

describe('SubscriptionRunner invariants (randomised)', () => {
  it('answers every delivery exactly once and keeps every limit, whatever the function does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          attempts: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 40 }),
          maxMessages: fc.integer({ min: 1, max: 12 }),
          maxConcurrentInvocations: fc.integer({ min: 1, max: 4 }),
          maxAttempts: fc.integer({ min: 1, max: 5 }),
          script: fc.array(fc.constantFrom(...outcomeKinds), { minLength: 1, maxLength: 30 }),
          deadLetterFails: fc.boolean(),
          maxBytes: fc.integer({ min: 1024, max: 8192 }),
        }),
        async (c) => {
          const config = subscriptionConfig({
            maxMessages: c.maxMessages,
            maxConcurrentInvocations: c.maxConcurrentInvocations,
            maxAttempts: c.maxAttempts,
            maxWaitMs: 1,
            maxBytes: c.maxBytes,
          });
          const events = new BridgeEventEmitter();
          const source = new FakeSource();
          let active = 0;
          let peak = 0;
          const invoker = new FakeInvoker(async (event, call) => {
            active++;
            peak = Math.max(peak, active);
            await new Promise((r) => setImmediate(r));
            active--;
            // After the script runs out, everything succeeds, so the run ends.
            const kind = c.script[call] ?? 'ok';
            return resultFor(kind, event, call);
          });
          const written: DeadLetterRecord[] = [];
          const failedWrites = new Set<string>();
          const order: string[] = [];
          let writes = 0;
          const deadLetters = {
            describe: 'memory://',
            write: async (records: readonly DeadLetterRecord[]) => {
              // A store takes time: a FIN that does not wait for it would come first.
              await new Promise((r) => setImmediate(r));
              // Fail only the first write when asked, so the run still ends.
              if (c.deadLetterFails && writes++ === 0) {
                for (const r of records) failedWrites.add(r.id);
                throw new Error('store down');
              }
              for (const r of records) order.push(`dl:${r.id}`);
              written.push(...records);
            },
          };
          const touch = new TouchManager({ clock: systemClock, events, sweepIntervalMs: 50 });
          const runner = new SubscriptionRunner(config, {
            invoker,
            deadLetters,
            events,
            clock: systemClock,
            touch,
            source,
            maxReqTimeoutMs: 3_600_000,
            retryBackoff: { baseDelayMs: 1, maxDelayMs: 2 },
          });
          runner.start();
          const ds = c.attempts.map((a, i) => {
            const d = new FakeDelivery(`m${i}`, Buffer.alloc(100 + ((i * 397) % 1400), i), a);
            const finish = d.finish.bind(d);
            d.finish = () => {
              order.push(`fin:${d.id}`);
              finish();
            };
            return d;
          });
          source.deliver(...ds);
          await waitFor(() => ds.every((d) => d.answers.length > 0), {
            what: 'all answered',
            timeoutMs: 20_000,
          });
          await new Promise((r) => setTimeout(r, 5));
          // Exactly one answer each, REQ delays whole and non-negative.
          for (const d of ds) {
            expect(d.answers).toHaveLength(1);
            const a = d.answers[0];
            if (a?.kind === 'requeue') {
              expect(Number.isInteger(a.delayMs) && a.delayMs >= 0).toBe(true);
              // The last attempt is dead-lettered, not requeued (unless the dead-letter write failed).
              if (!failedWrites.has(d.id)) expect(d.attempts).toBeLessThan(c.maxAttempts);
            }
          }
          // A dead letter is written before its FIN.
          for (const r of written)
            expect(order.indexOf(`dl:${r.id}`)).toBeLessThan(order.indexOf(`fin:${r.id}`));
          // Arrivals over maxAttempts are never invoked.
          const invokedIds = new Set(invoker.calls.flatMap((call) => call.event.messages.map((m) => m.id)));
          for (const d of ds) if (d.attempts > c.maxAttempts) expect(invokedIds.has(d.id)).toBe(false);
          // Batches: within maxMessages and maxBytes, no repeated id.
          for (const call of invoker.calls) {
            const ids = call.event.messages.map((m) => m.id);
            expect(ids.length).toBeLessThanOrEqual(c.maxMessages);
            expect(new Set(ids).size).toBe(ids.length);
            if (ids.length > 1) expect(call.request.payload.byteLength).toBeLessThanOrEqual(c.maxBytes);
          }
          expect(peak).toBeLessThanOrEqual(c.maxConcurrentInvocations);
          expect(touch.size).toBe(0);
          expect(runner.status).toMatchObject({ queued: 0, invoking: 0, activeInvocations: 0, inFlight: 0 });
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
