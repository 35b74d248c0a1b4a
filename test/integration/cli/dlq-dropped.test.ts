/**
 * A toggle drop reaches the dead letters as `dropped`, end to end: the handler kit's toggle middleware
 * (drop policy, dead-lettering on) answers over a real Invoke API server, the real bridge consumes from a
 * real nsqd and writes to the NSQ dead-letter topic, and `dlq list --kind dropped` finds the record.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createNsqTopicDeadLetterStore } from '#bridge/dead-letter/nsq-topic-store';
import { finish, lambdaContext, nsqHandler } from '#shared/handler';
import { toggle } from '#shared/middleware/toggle';
import { useServices, waitFor } from '#test/harness/services';
import { eventOf, type Started, startBridge } from '../bridge/bridge-harness.ts';
import { cli } from './cli-harness.ts';

const services = useServices();
let current: Started | undefined;
afterAll(async () => {
  await current?.stop();
});

describe('a toggle drop in the dead letters', () => {
  it('is recorded with reasonKind dropped, so `dlq list --kind dropped` finds it', async () => {
    const nsqd = await services.nsqd();
    await nsqd.http.createTopic('dead-letters');
    await nsqd.http.createChannel('dead-letters', 'nsq-lambda-cli');
    const handled: string[] = [];
    const handler = nsqHandler({
      body: 'text',
      handle: (message) => {
        handled.push(message.body);
        return finish();
      },
    }).use(toggle({ reader: { read: async () => 'stopped' }, policy: 'drop', deadLetterDropped: true }));
    current = await startBridge(
      nsqd,
      async (call) => ({ body: await handler(eventOf(call.payload), lambdaContext()) }),
      {},
      {},
      {
        deadLetters: createNsqTopicDeadLetterStore({
          topic: 'dead-letters',
          nsqdHttpAddresses: [nsqd.httpAddress],
        }),
      },
    );
    await nsqd.http.publish(current.topic, 'drop me');
    await waitFor(async () => (await nsqd.http.channelStats('dead-letters', 'nsq-lambda-cli'))?.depth === 1, {
      what: 'the dead letter on the topic',
    });
    const env = {
      DEAD_LETTER_TOPIC: 'dead-letters',
      NSQD_TCP_ADDRESS: nsqd.tcpAddress,
      NSQD_HTTP_ADDRESS: nsqd.httpAddress,
      XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'cli-state-')),
    };

    const dropped = await cli(['dlq', 'list', '--kind', 'dropped', '--json'], { env });
    const failed = await cli(['dlq', 'list', '--kind', 'function', '--json'], { env });

    expect(dropped.code, dropped.stderr).toBe(0);
    const items = (
      JSON.parse(dropped.stdout) as { items: { reasonKind: string; reason: string; body: string }[] }
    ).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ reasonKind: 'dropped', reason: 'dropped: toggle stopped' });
    expect(failed.code, failed.stderr).toBe(0);
    expect((JSON.parse(failed.stdout) as { items: unknown[] }).items).toEqual([]);
    expect(handled).toEqual([]);
  });
});
