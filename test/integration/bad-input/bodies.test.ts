/**
 * Bad bodies, end to end: real nsqd → bridge → real Lambda client → local Lambda → a handler-kit
 * function with a zod schema (test/fixtures/functions-fault/strict-json). Byte-exact transport of
 * binary bodies is covered by test/integration/bridge/bridge-outcomes.test.ts; here each kind of bad
 * body meets its documented fate (docs/faults.md): dead-lettered at once, with the reason and the
 * original bytes, never retried, never blocking the valid messages of its batch.
 */
import { describe, expect, it } from 'vitest';
import { useServices } from '#test/harness/services';
import { waitChannelIdle } from '#test/integration/bridge/bridge-harness';
import { useLambdaBridge } from './lambda-bridge.ts';

const services = useServices();
const lambdaBridge = useLambdaBridge();

const cases: { name: string; body: Buffer; reason: RegExp | null }[] = [
  { name: 'valid', body: Buffer.from('{"orderId":"o1","qty":2}'), reason: null },
  {
    name: 'non-UTF-8 bytes',
    body: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]),
    reason: /^body is not valid UTF-8 \(6 bytes\)$/,
  },
  {
    name: 'binary with NUL and newlines (valid UTF-8)',
    body: Buffer.from('\u0000\n\r\n\u0001{"orderId"'),
    reason: /^body is not valid JSON/,
  },
  { name: 'truncated JSON', body: Buffer.from('{"orderId":"o2",'), reason: /^body is not valid JSON/ },
  {
    name: 'schema-invalid value',
    body: Buffer.from('{"orderId":"o3","qty":-1}'),
    reason: /^body failed validation: qty: /,
  },
  {
    name: 'schema-invalid extra key',
    body: Buffer.from('{"orderId":"o4","qty":1,"admin":true}'),
    reason: /^body failed validation: \(root\): Unrecognized key/,
  },
  { name: 'JSON of the wrong type', body: Buffer.from('[1,2,3]'), reason: /^body failed validation/ },
];

describe('bad bodies through the bridge and the handler kit', () => {
  it('dead-letters every unreadable body at once with its reason and original bytes; the valid one finishes', async () => {
    const nsqd = await services.nsqd();
    const s = await lambdaBridge.start(nsqd, 'strict-json', { maxMessages: 10, maxWaitMs: 300 });
    const finished: string[] = [];
    s.events.on('message_finished', (e) => finished.push(e.id));
    await nsqd.http.publishMany(
      s.topic,
      cases.map((c) => c.body),
    );
    const stats = await waitChannelIdle(nsqd, s.topic, s.channel, 30_000);
    expect(stats.requeue_count).toBe(0);
    expect(finished).toHaveLength(1);
    const records = s.deadLetters.records;
    expect(records).toHaveLength(cases.length - 1);
    for (const c of cases.filter((c) => c.reason !== null)) {
      const record = records.find((r) => Buffer.from(r.body, 'base64').equals(c.body));
      expect(record, c.name).toBeDefined();
      expect(record?.reasonKind).toBe('function');
      expect(record?.reason, c.name).toMatch(c.reason as RegExp);
      expect(record?.attempts).toBe(1);
      expect(record?.lastError?.type).toBe('DeadLetteredByFunction');
      expect(record?.lastError?.requestId).toBeTruthy();
    }
    await s.stop();
  });

  it('an empty body never enters NSQ: nsqd refuses it at publish', async () => {
    const nsqd = await services.nsqd();
    await nsqd.http.createTopic('empty-body');
    await expect(nsqd.http.publish('empty-body', '')).rejects.toThrow(/MSG_EMPTY/);
    expect((await nsqd.http.stats({ topic: 'empty-body' })).topics[0]?.message_count).toBe(0);
  });
});
