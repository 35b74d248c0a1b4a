/**
 * Filters end to end: real nsqd → bridge → real Lambda client → local Lambda. Only matching messages
 * are invoked; the rest are FINished without an invoke (or dead-lettered `filtered`), never requeued.
 */
import { describe, expect, it } from 'vitest';
import { useServices, waitFor, waitStable } from '#test/harness/services';
import { waitChannelIdle } from './bridge-harness.ts';
import { useFeatureLambda } from './feature-lambda.ts';

const services = useServices();
const feature = useFeatureLambda();

const bodies = [
  '{"kind":"order","total":150}',
  '{"kind":"order","total":5}',
  '{"kind":"refund","total":500}',
  'urgent: call back',
  'plain text',
  '{"kind":"ORDER","total":100,"region":"eu-west-1"}',
];
const filters = [
  { body: { kind: [{ 'equals-ignore-case': 'order' }], total: [{ numeric: ['>=', 100] }] } },
  { body: [{ prefix: 'urgent:' }] },
];
const matching = [bodies[0], bodies[3], bodies[5]];

async function seenExactly(seen: string[], expected: readonly (string | undefined)[]) {
  await waitFor(() => seen.length >= expected.length, { what: `${expected.length} bodies invoked` });
  await waitStable(() => seen.length, { what: 'no more invocations', quietMs: 300 });
  expect([...seen].sort()).toEqual([...expected].sort());
}

describe('filters through the bridge and the local Lambda', () => {
  it('invokes only the matching messages (JSON fields and a plain-string prefix); the rest finish uninvoked, counted', async () => {
    const nsqd = await services.nsqd();
    const s = await feature.start(nsqd, { filters });
    const filteredOut: string[] = [];
    s.events.on('message_filtered_out', (e) => filteredOut.push(e.action));
    await nsqd.http.publishMany(s.topic, bodies);
    const stats = await waitChannelIdle(nsqd, s.topic, s.channel);
    await seenExactly(s.seen, matching);
    expect(filteredOut).toEqual(['finish', 'finish', 'finish']);
    expect(stats.message_count).toBe(bodies.length);
    expect(stats.requeue_count).toBe(0);
    expect(s.deadLetters.records).toEqual([]);
  });

  it('onFilteredOut "deadLetter": dead-lettered with reasonKind filtered and the original bytes', async () => {
    const nsqd = await services.nsqd();
    const s = await feature.start(nsqd, { filters, onFilteredOut: 'deadLetter' });
    await nsqd.http.publishMany(s.topic, bodies);
    const stats = await waitChannelIdle(nsqd, s.topic, s.channel);
    await seenExactly(s.seen, matching);
    expect(stats.requeue_count).toBe(0);
    const records = s.deadLetters.records;
    expect(records.map((r) => r.reasonKind)).toEqual(['filtered', 'filtered', 'filtered']);
    expect(records.map((r) => Buffer.from(r.body, 'base64').toString()).sort()).toEqual(
      [bodies[1], bodies[2], bodies[4]].sort(),
    );
    expect(records.every((r) => r.attempts === 1 && r.lastError === undefined)).toBe(true);
  });
});
