import { describe, expect, it } from 'vitest';
import { TrackedMessage } from '#bridge/delivery';
import { deadLetterRecord, lastAttemptRequest } from '#bridge/engine/dead-letter-records';
import { FakeDelivery, subscriptionConfig } from '../fakes.ts';

const config = subscriptionConfig();

function message(attempts = 3) {
  const d = new FakeDelivery('m1', 'hello', attempts, '127.0.0.1:4150');
  return new TrackedMessage(d, 'orders', 'orders', 'bridge', 1_700_000_000_500);
}

describe('lastAttemptRequest', () => {
  it('says which attempt of how many failed, and why', () => {
    const m = message(3);
    expect(lastAttemptRequest(m, 3, 'Error: boom')).toEqual({
      message: m,
      kind: 'maxAttempts',
      reason: 'attempt 3 of 3 failed: Error: boom',
    });
  });
});

describe('deadLetterRecord', () => {
  it('records the message, the subscription and when it was published, received and dead-lettered', () => {
    const m = message(2);
    expect(
      deadLetterRecord(config, { message: m, kind: 'function', reason: 'bad' }, 1_700_000_009_000),
    ).toEqual({
      version: 1,
      id: 'm1',
      subscription: 'orders',
      topic: 'orders',
      channel: 'bridge',
      functionName: 'orders-fn',
      body: Buffer.from('hello').toString('base64'),
      attempts: 2,
      reasonKind: 'function',
      reason: 'bad',
      nsqdAddress: '127.0.0.1:4150',
      publishedAtMs: 1_700_000_000_000,
      receivedAtMs: 1_700_000_000_500,
      deadLetteredAtMs: 1_700_000_009_000,
    });
  });

  it("keeps the message's last error and cuts the reason to 4096 characters", () => {
    const m = message();
    m.lastError = { type: 'DeadLetteredByFunction', message: 'x', requestId: 'r1' };
    const r = deadLetterRecord(config, { message: m, kind: 'function', reason: 'y'.repeat(5000) }, 0);
    expect(r.lastError).toEqual({ type: 'DeadLetteredByFunction', message: 'x', requestId: 'r1' });
    expect(r.reason).toBe('y'.repeat(4096));
  });
});
