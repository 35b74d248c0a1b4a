import { describe, expect, it } from 'vitest';
import { InvalidBatchEventError } from '#shared/errors';
import { batchEvent, eventMessage, finish, NsqBatch, requeue } from '#shared/handler';

describe('NsqBatch', () => {
  it('keeps the first decision, ignores decisions after sealing, and requeues what nobody decided', () => {
    // Prepare
    const event = batchEvent(['a', 'b', 'c']);
    const [a, b, c] = event.messages.map((m) => m.id) as [string, string, string];
    const batch = NsqBatch.of(event);

    // Act
    batch.decide(a, finish(), 'handler');
    const second = batch.decide(a, requeue(), 'handler');
    batch.seal('deadline', requeue(undefined, 'late'));
    const afterSeal = batch.decide(c, finish(), 'handler');

    // Assess
    expect(second).toBe(false);
    expect(afterSeal).toBe(false);
    expect(batch.result().batchItemFailures).toEqual([
      { itemIdentifier: b, reason: 'late' },
      { itemIdentifier: c, reason: 'late' },
    ]);
    expect(batch.counts()).toMatchObject({ finish: 1, requeue: 2, bySource: { deadline: { requeue: 2 } } });
    expect(NsqBatch.of(event)).toBe(batch);
  });

  it('rejects duplicate ids and non-objects', () => {
    const m = eventMessage('x');
    expect(() => NsqBatch.of(batchEvent([], { messages: [m, m] }))).toThrow(/appears twice/);
    expect(() => NsqBatch.of('nope')).toThrow(InvalidBatchEventError);
  });
});
