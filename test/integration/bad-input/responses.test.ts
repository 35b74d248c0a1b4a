/**
 * Malformed function responses (docs/faults.md): anything that does not match the contract, names an
 * unknown id, or names an id twice, fails the whole batch. Every message is requeued (one attempt
 * spent), `response_malformed` says why, nothing is finished on the strength of a bad answer, and the
 * retry succeeds. The parser itself is fuzzed in test/fuzz/batch-result.fuzz.test.ts; the "not JSON"
 * case through the bridge is also in test/integration/bridge/bridge-outcomes.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REQUEUE_DELAY_MS } from '#shared/contract/batch-result';
import { useServices, waitFor } from '#test/harness/services';
import { eventOf, startBridge, waitChannelIdle } from '#test/integration/bridge/bridge-harness';

const services = useServices();
// One nsqd and one channel for every case: nsqd scans a channel's deferred (REQ'd) messages from a
// channel list refreshed every 5 s, so a brand-new channel's first requeue waits up to 5 s.
const topic = 'malformed';
let nsqdPromise: ReturnType<typeof services.nsqd> | undefined;
const nsqd = () => {
  nsqdPromise ??= services.nsqd();
  return nsqdPromise;
};

const unknownId = 'ffffffffffffffff';
const cases: { name: string; body: (ids: string[]) => unknown; problem: RegExp }[] = [
  { name: 'not JSON', body: () => 'not json at all', problem: /^response is not JSON/ },
  {
    name: 'JSON behind a byte-order mark',
    body: () => '\uFEFF{"batchItemFailures":[]}',
    problem: /^response is not JSON/,
  },
  { name: 'a JSON array', body: () => [], problem: /does not match the contract/ },
  { name: 'a JSON string', body: () => '"ok"', problem: /does not match the contract/ },
  { name: 'true', body: () => 'true', problem: /does not match the contract/ },
  {
    name: 'batchItemFailures not an array',
    body: () => ({ batchItemFailures: 'all' }),
    problem: /batchItemFailures/,
  },
  {
    name: 'an unknown top-level key',
    body: () => ({ batchItemFailures: [], ok: true }),
    problem: /contract/,
  },
  {
    name: 'an itemIdentifier that is a number',
    body: () => ({ batchItemFailures: [{ itemIdentifier: 123 }] }),
    problem: /batchItemFailures\.0\.itemIdentifier/,
  },
  {
    name: 'an unknown id',
    body: () => ({ batchItemFailures: [{ itemIdentifier: unknownId }] }),
    problem: /unknown itemIdentifier "ffffffffffffffff"/,
  },
  {
    name: 'a duplicate id',
    body: (ids) => ({ batchItemFailures: [{ itemIdentifier: ids[0] }, { itemIdentifier: ids[0] }] }),
    problem: /twice/,
  },
  {
    name: '200,000 unknown ids',
    body: () => ({
      batchItemFailures: Array.from({ length: 200_000 }, (_, i) => ({
        itemIdentifier: i.toString(16).padStart(16, '0'),
      })),
    }),
    problem: /unknown itemIdentifier/,
  },
  {
    name: '100,000 entries naming the batch ids over and over',
    body: (ids) => ({
      batchItemFailures: Array.from({ length: 100_000 }, (_, i) => ({ itemIdentifier: ids[i % ids.length] })),
    }),
    problem: /twice/,
  },
  {
    name: 'deadLetter without a reason',
    body: (ids) => ({ batchItemFailures: [{ itemIdentifier: ids[0], action: 'deadLetter' }] }),
    problem: /contract/,
  },
  {
    name: 'an unknown action',
    body: (ids) => ({ batchItemFailures: [{ itemIdentifier: ids[0], action: 'drop' }] }),
    problem: /contract/,
  },
  {
    name: 'a negative delay',
    body: (ids) => ({ batchItemFailures: [{ itemIdentifier: ids[0], delayMs: -1 }] }),
    problem: /delayMs/,
  },
  {
    name: 'a fractional delay',
    body: (ids) => ({ batchItemFailures: [{ itemIdentifier: ids[0], delayMs: 1.5 }] }),
    problem: /delayMs/,
  },
  {
    name: "a delay above nsqd's max-req-timeout",
    body: (ids) => ({ batchItemFailures: [{ itemIdentifier: ids[0], delayMs: MAX_REQUEUE_DELAY_MS + 1 }] }),
    problem: /delayMs/,
  },
];

describe('malformed function responses fail the whole batch, which is requeued and then succeeds', () => {
  it.each(cases)('$name', async ({ body, problem }) => {
    const n = await nsqd();
    const problems: string[] = [];
    const finished = new Map<string, number>();
    const s = await startBridge(
      n,
      (call) => {
        const messages = eventOf(call.payload).messages;
        if (messages.some((m) => m.attempts === 1)) {
          const reply = body(messages.map((m) => m.id));
          return { body: typeof reply === 'string' ? reply : JSON.stringify(reply) };
        }
        return { body: { batchItemFailures: [] } };
      },
      { topic, maxMessages: 3, maxWaitMs: 300 },
    );
    try {
      s.events.on('response_malformed', (e) => problems.push(e.problem));
      s.events.on('message_finished', (e) => finished.set(e.id, e.attempts));
      const before = (await n.http.channelStats(topic, s.channel))?.requeue_count ?? 0;
      await n.http.publishMany(topic, ['a', 'b', 'c']);
      await waitFor(() => finished.size === 3, { what: 'three messages finished', timeoutMs: 30_000 });
      // The channel outlives each case's bridge (nsqd forgets a closed connection's FINs): count this one's.
      const stats = await waitChannelIdle(n, topic, s.channel, 30_000, { finished: 3 });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(problem);
      // Nothing finished on the bad answer: every message was requeued once and finished on attempt 2.
      expect(stats.requeue_count - before).toBe(3);
      expect([...finished.values()]).toEqual([2, 2, 2]);
      expect(s.deadLetters.records).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});
