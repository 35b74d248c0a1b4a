import { describe, expect, it } from 'vitest';
import { batchEvent, deadLetter, NsqBatch, requeue } from '#shared/handler';
import { batchMetricValues } from '#shared/middleware/observability';

describe('batchMetricValues', () => {
  it('counts outcomes overall, by decision source, and the events middlewares counted', () => {
    // Prepare
    const batch = NsqBatch.of(batchEvent(['a', 'b', 'c', 'd']));
    const [a, b, c] = batch.messages.map((m) => m.id) as [string, string, string];
    batch.decide(a, deadLetter('bad'), 'validation');
    batch.decide(b, requeue(5), 'toggle');
    batch.decide(c, requeue(), 'error');
    batch.count('RateLimited', 2);
    batch.seal('deadline', requeue());

    // Act
    const values = batchMetricValues(batch);

    // Assess
    expect(values).toEqual({
      Messages: 4,
      MessagesFinished: 0,
      MessagesRequeued: 3,
      MessagesDeadLettered: 1,
      ValidationFailed: 1,
      ToggleStopped: 1,
      HandlerErrors: 1,
      DeadlineRequeued: 1,
      RateLimited: 2,
    });
  });
});
