/**
 * Sizes at and past the limits (docs/faults.md): nsqd's 1 MiB message limit, Lambda's 6 MB request
 * and response limits. 413 splitting is covered by test/integration/bridge/bridge-outcomes.test.ts
 * and the exact 6 MB request boundary by test/integration/local-lambda/invoke-semantics.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '#shared/config/subscription';
import { useServices } from '#test/harness/services';
import { eventOf, startBridge, waitChannelIdle } from '#test/integration/bridge/bridge-harness';
import { useLambdaBridge } from './lambda-bridge.ts';

const services = useServices();
const lambdaBridge = useLambdaBridge();
const MIB = 1_048_576;

describe('message and payload sizes', () => {
  it('1 MiB binary messages: batches split by bytes so no Invoke passes 6 MB, every body arrives byte-exact once', async () => {
    const nsqd = await services.nsqd();
    const bodies = Array.from({ length: 6 }, () => randomBytes(MIB));
    const seen: Buffer[] = [];
    const s = await startBridge(
      nsqd,
      (call) => {
        for (const m of eventOf(call.payload).messages) seen.push(Buffer.from(m.body, 'base64'));
        return { body: { batchItemFailures: [] } };
      },
      { maxMessages: 10, maxWaitMs: 500 },
    );
    try {
      // One PUB each: an MPUB of 6 MiB would pass nsqd's 5 MiB --max-body-size.
      for (const b of bodies) await nsqd.http.publish(s.topic, b);
      const stats = await waitChannelIdle(nsqd, s.topic, s.channel, 30_000);
      expect(stats.requeue_count).toBe(0);
      expect(s.responder.calls.length).toBeGreaterThanOrEqual(2);
      for (const call of s.responder.calls)
        expect(call.payload.byteLength).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES);
      expect(seen).toHaveLength(bodies.length);
      for (const b of bodies) expect(seen.filter((x) => x.equals(b))).toHaveLength(1);
    } finally {
      await s.stop();
    }
  });

  it('a message above 1 MiB never enters NSQ: nsqd refuses it at publish (default --max-msg-size)', async () => {
    const nsqd = await services.nsqd();
    await nsqd.http.createTopic('too-big');
    await expect(nsqd.http.publish('too-big', randomBytes(MIB + 1))).rejects.toThrow(/MSG_TOO_BIG/);
  });

  it('a message too large for one Invoke on its own (nsqd allowing it) is dead-lettered as undeliverable without invoking', async () => {
    const nsqd = await services.nsqd({ args: ['--max-msg-size=6000000', '--max-body-size=7000000'] });
    const s = await startBridge(nsqd, () => ({ body: { batchItemFailures: [] } }), {
      maxMessages: 10,
      maxWaitMs: 200,
    });
    try {
      const huge = randomBytes(4_800_000); // 6.4 MB once base64-encoded
      await nsqd.http.publish(s.topic, huge);
      await nsqd.http.publish(s.topic, 'small');
      await waitChannelIdle(nsqd, s.topic, s.channel, 30_000);
      const record = s.deadLetters.records[0];
      expect(s.deadLetters.records).toHaveLength(1);
      expect(record?.reasonKind).toBe('undeliverable');
      expect(record?.reason).toMatch(/exceeds Lambda's 6291456-byte Invoke limit on its own/);
      expect(Buffer.from(record?.body ?? '', 'base64').equals(huge)).toBe(true);
      // Only the small message was invoked.
      const invoked = s.responder.calls.flatMap((c) => eventOf(c.payload).messages);
      expect(invoked.map((m) => Buffer.from(m.body, 'base64').toString())).toEqual(['small']);
    } finally {
      await s.stop();
    }
  });

  it('a response past 6 MB is a function error (Function.ResponseSizeTooLarge): requeued, then dead-lettered with that error', async () => {
    const nsqd = await services.nsqd();
    const s = await lambdaBridge.start(nsqd, 'oversize-response', { maxMessages: 1, maxAttempts: 2 });
    const requeued: string[] = [];
    s.events.on('message_requeued', (e) => requeued.push(e.reason));
    await nsqd.http.publish(s.topic, 'answer me hugely');
    await waitChannelIdle(nsqd, s.topic, s.channel, 30_000);
    expect(requeued).toHaveLength(1);
    expect(requeued[0]).toMatch(/^Function\.ResponseSizeTooLarge: /);
    const record = s.deadLetters.records[0];
    expect(s.deadLetters.records).toHaveLength(1);
    expect(record?.reasonKind).toBe('maxAttempts');
    expect(record?.attempts).toBe(2);
    expect(record?.lastError?.type).toBe('Function.ResponseSizeTooLarge');
    await s.stop();
  });
});
