/**
 * maxRecordAgeMs end to end (real nsqd, local Lambda): a message older than the limit when received,
 * or when its retry would come back, is never invoked; dead-lettered `expired`, or dropped, by policy.
 * Old messages come from nsqd itself: a deferred PUB keeps its publish timestamp.
 */
import { describe, expect, it } from 'vitest';
import { useServices, waitFor, waitStable } from '#test/harness/services';
import { waitChannelIdle } from './bridge-harness.ts';
import { useFeatureLambda } from './feature-lambda.ts';

const services = useServices();
const feature = useFeatureLambda();

describe('maxRecordAgeMs through the bridge and the local Lambda', () => {
  it('a message older than the limit on arrival is dead-lettered "expired" without invoking; a fresh one is invoked', async () => {
    const nsqd = await services.nsqd();
    const s = await feature.start(nsqd, { maxRecordAgeMs: 1_000 });
    const expired: { at: string; action: string; ageMs: number }[] = [];
    s.events.on('message_expired', (e) => expired.push(e));
    await nsqd.http.publish(s.topic, 'old', 1_500);
    await nsqd.http.publish(s.topic, 'fresh');
    const stats = await waitChannelIdle(nsqd, s.topic, s.channel);
    await waitStable(() => s.seen.join(), { what: 'invocations settled', quietMs: 300 });
    expect(s.seen).toEqual(['fresh']);
    expect(expired).toEqual([
      {
        subscription: 'seen-bodies',
        id: expect.any(String),
        at: 'receive',
        action: 'deadLetter',
        ageMs: expect.any(Number),
      },
    ]);
    expect(expired[0]?.ageMs).toBeGreaterThan(1_000);
    const [record] = s.deadLetters.records;
    expect(s.deadLetters.records).toHaveLength(1);
    expect(record).toMatchObject({ reasonKind: 'expired', attempts: 1 });
    expect(Buffer.from(record?.body ?? '', 'base64').toString()).toBe('old');
    expect(record?.reason).toMatch(/over maxRecordAgeMs \(1000\)$/);
    expect(stats.requeue_count).toBe(0);
  });

  it('a retry that would come back past the limit is not made: the message is dropped by policy, never invoked again', async () => {
    const nsqd = await services.nsqd();
    const s = await feature.start(nsqd, { maxRecordAgeMs: 1_000, onExpired: 'drop' });
    const expired: { at: string; action: string }[] = [];
    s.events.on('message_expired', (e) => expired.push({ at: e.at, action: e.action }));
    // The function requeues it with a 2 s delay: it would be redelivered ≥ 2 s after it was published.
    await nsqd.http.publishMany(s.topic, ['retry:2000:late', 'ok']);
    const stats = await waitChannelIdle(nsqd, s.topic, s.channel);
    await waitFor(() => expired.length === 1, { what: 'the retry expired' });
    await waitStable(() => s.seen.join(), { what: 'invocations settled', quietMs: 500 });
    expect([...s.seen].sort()).toEqual(['ok', 'retry:2000:late']);
    expect(expired).toEqual([{ at: 'retry', action: 'drop' }]);
    expect(s.deadLetters.records).toEqual([]);
    // Dropped means FINished: no REQ was sent, nothing deferred.
    expect(stats.requeue_count).toBe(0);
    expect(stats.deferred_count).toBe(0);
  });
});
