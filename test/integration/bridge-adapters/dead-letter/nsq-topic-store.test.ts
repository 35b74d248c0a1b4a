import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNsqTopicDeadLetterStore } from '#bridge/dead-letter/nsq-topic-store';
import { DeadLetterWriteError } from '#bridge/errors';
import type { Nsqd } from '#dev/services/nsq';
import { deadLetterRecordSchema } from '#shared/contract/dead-letter';
import { collectMessages } from '#test/harness/nsq-consumer';
import { useServices } from '#test/harness/services';
import { deadLetterRecordFactory } from './records.ts';

const services = useServices();
let nsqd: Nsqd;

beforeAll(async () => {
  nsqd = await services.nsqd();
});

async function closedPortAddress(): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return `127.0.0.1:${port}`;
}

describe('createNsqTopicDeadLetterStore', () => {
  it('publishes each record as one JSON message, body byte-exact', async () => {
    // Prepare
    const store = createNsqTopicDeadLetterStore({ topic: 'dl_a', nsqdHttpAddresses: [nsqd.httpAddress] });
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const records = [
      deadLetterRecordFactory({ id: 'aaaaaaaaaaaaaaa1', body: bytes.toString('base64') }),
      deadLetterRecordFactory({ id: 'aaaaaaaaaaaaaaa2', reason: 'line one\nline two' }),
    ];
    // Act
    await store.write(records);
    // Assess
    expect(store.describe).toBe('nsq://dl_a');
    const received = await collectMessages({
      topic: 'dl_a',
      channel: 'check',
      count: 2,
      nsqdTCPAddresses: [nsqd.tcpAddress],
    });
    const parsed = received.map((m) => deadLetterRecordSchema.parse(JSON.parse(m.body.toString())));
    expect(parsed.sort((a, b) => a.id.localeCompare(b.id))).toEqual(records);
    expect(Buffer.from(parsed[0]?.body ?? '', 'base64').equals(bytes)).toBe(true);
  });

  it('splits a large write into several /mpub requests', async () => {
    const store = createNsqTopicDeadLetterStore({
      topic: 'dl_chunks',
      nsqdHttpAddresses: [nsqd.httpAddress],
      maxRequestBytes: 4_096,
    });
    const records = Array.from({ length: 20 }, (_, i) =>
      deadLetterRecordFactory({
        id: `c${String(i).padStart(15, '0')}`,
        body: Buffer.alloc(600, i).toString('base64'),
      }),
    );
    await store.write(records);
    const stats = await nsqd.http.stats({ topic: 'dl_chunks' });
    expect(stats.topics.find((t) => t.topic_name === 'dl_chunks')?.message_count).toBe(20);
  });

  it('fails over to the next nsqd when the first is unreachable', async () => {
    const store = createNsqTopicDeadLetterStore({
      topic: 'dl_failover',
      nsqdHttpAddresses: [await closedPortAddress(), nsqd.httpAddress],
    });
    await store.write([deadLetterRecordFactory()]);
    const stats = await nsqd.http.stats({ topic: 'dl_failover' });
    expect(stats.topics.find((t) => t.topic_name === 'dl_failover')?.message_count).toBe(1);
  });

  it('rejects naming every id when no nsqd is reachable', async () => {
    const store = createNsqTopicDeadLetterStore({
      topic: 'dl_b',
      nsqdHttpAddresses: [await closedPortAddress()],
      requestTimeoutMs: 2_000,
    });
    const records = [deadLetterRecordFactory({ id: 'x1' }), deadLetterRecordFactory({ id: 'x2' })];
    const err = await store.write(records).catch((e) => e);
    expect(err).toBeInstanceOf(DeadLetterWriteError);
    expect((err as DeadLetterWriteError).ids).toEqual(['x1', 'x2']);
    expect((err as Error).message).toMatch(/nsq:\/\/dl_b.*unreachable/);
  });

  it('rejects a record above the max message size but still publishes the others', async () => {
    const store = createNsqTopicDeadLetterStore({
      topic: 'dl_big',
      nsqdHttpAddresses: [nsqd.httpAddress],
      maxMessageBytes: 2_000,
    });
    const big = deadLetterRecordFactory({ id: 'big', body: Buffer.alloc(3_000).toString('base64') });
    const small = deadLetterRecordFactory({ id: 'small' });
    const err = await store.write([big, small]).catch((e) => e);
    expect(err).toBeInstanceOf(DeadLetterWriteError);
    expect((err as DeadLetterWriteError).ids).toEqual(['big']);
    expect((err as Error).message).toMatch(/max message size/);
    const stats = await nsqd.http.stats({ topic: 'dl_big' });
    expect(stats.topics.find((t) => t.topic_name === 'dl_big')?.message_count).toBe(1);
  });

  it('rejects when nsqd refuses the message (nsqd max-msg-size)', async () => {
    // nsqd's own default limit is 1 MiB; with the store's check raised, nsqd's refusal must surface.
    const store = createNsqTopicDeadLetterStore({
      topic: 'dl_refused',
      nsqdHttpAddresses: [nsqd.httpAddress],
      maxMessageBytes: 10 * 1_048_576,
    });
    const huge = deadLetterRecordFactory({ id: 'huge', body: Buffer.alloc(1_100_000).toString('base64') });
    const err = await store.write([huge]).catch((e) => e);
    expect(err).toBeInstanceOf(DeadLetterWriteError);
    expect((err as Error).message).toMatch(/failed with 4\d\d/);
  });
});
