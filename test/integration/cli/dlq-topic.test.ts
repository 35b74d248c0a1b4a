import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createNsqTopicDeadLetterStore } from '#bridge/dead-letter/nsq-topic-store';
import type { Nsqd } from '#dev/services/nsq';
import { waitChannelSettled } from '#test/harness/nsq-channel';
import { collectMessages } from '#test/harness/nsq-consumer';
import { useServices } from '#test/harness/services';
import { cli } from './cli-harness.ts';
import { record } from './dead-letter-seed.ts';

const services = useServices();
let nsqd: Nsqd;
let env: Record<string, string>;

const binary = Buffer.from([0xde, 0xad, 0x00, 0x0a, 0xbe, 0xef]);
const r1 = record({ functionName: 'orders', topic: 'orders-in', bodyBytes: binary });
const r2 = record({
  functionName: 'pages',
  subscription: 'pages',
  topic: 'pages-in',
  reasonKind: 'function',
});
const r3 = record({ functionName: 'orders', topic: 'orders-in', bodyBytes: Buffer.from('third') });

/**
 * The dead-letter channel's depth once the CLI's reads settled: nsqd reads the REQs and FINs of an exited
 * CLI after it exited, so one look could still see its messages in flight.
 */
const depth = async () =>
  (
    await waitChannelSettled(
      nsqd,
      'dead-letters',
      'nsq-lambda-cli',
      (s) => s.topic_depth === 0 && s.in_flight_count === 0 && s.deferred_count === 0,
      { what: 'nothing in flight' },
    )
  ).depth;

beforeAll(async () => {
  nsqd = await services.nsqd();
  // Written by the bridge's own NSQ dead-letter store, plus one message that is not a record.
  const store = createNsqTopicDeadLetterStore({
    topic: 'dead-letters',
    nsqdHttpAddresses: [nsqd.httpAddress],
  });
  await store.write([r1, r2, r3]);
  await nsqd.http.publish('dead-letters', 'not a record');
  await nsqd.http.createTopic('orders-in');
  await nsqd.http.createChannel('orders-in', 'check');
  env = {
    DEAD_LETTER_TOPIC: 'dead-letters',
    NSQD_TCP_ADDRESS: nsqd.tcpAddress,
    NSQD_HTTP_ADDRESS: nsqd.httpAddress,
    XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'cli-state-')),
  };
});

describe('dlq on the NSQ dead-letter topic', () => {
  it('lists and shows without consuming anything', async () => {
    const list = await cli(['dlq', 'list', '--json'], { env });
    expect(list.code, list.stderr).toBe(0);
    const out = JSON.parse(list.stdout) as { source: string; items: { id: string }[]; malformed: unknown[] };
    expect(out.source).toBe('nsq://dead-letters (channel nsq-lambda-cli)');
    expect(out.items.map((i) => i.id).sort()).toEqual([r1.id, r2.id, r3.id].sort());
    expect(out.malformed).toHaveLength(1);
    expect(await depth()).toBe(4);

    const raw = await cli(['dlq', 'show', r1.id, '--raw'], { env });
    expect(raw.code, raw.stderr).toBe(0);
    expect(raw.stdoutBytes.equals(binary)).toBe(true);
    expect(await depth()).toBe(4);
  });

  it('replays a handler’s dead letters byte-exact and takes them off the topic', async () => {
    const r = await cli(['dlq', 'replay', '--handler', 'orders', '--rate', '100', '--json'], { env });
    expect(r.code, r.stderr).toBe(1); // the malformed message is reported
    expect(JSON.parse(r.stdout)).toMatchObject({ published: 2, failed: [] });
    const got = await collectMessages({
      topic: 'orders-in',
      channel: 'check',
      count: 2,
      nsqdTCPAddresses: [nsqd.tcpAddress],
    });
    expect(got.map((m) => m.body.toString('hex')).sort()).toEqual(
      [binary.toString('hex'), Buffer.from('third').toString('hex')].sort(),
    );
    expect(await depth()).toBe(2);
  });

  it('purges what the filter selects, keeps the rest', async () => {
    const refused = await cli(['dlq', 'purge', '--handler', 'pages'], { env });
    expect(refused.code).toBe(5);
    expect(await depth()).toBe(2);
    const purged = await cli(['dlq', 'purge', '--handler', 'pages', '--yes', '--json'], { env });
    expect(purged.code, purged.stderr).toBe(0);
    expect(JSON.parse(purged.stdout)).toMatchObject({ matched: 1, deleted: 1 });
    expect(await depth()).toBe(1); // the malformed message stays for a human
  });
});
