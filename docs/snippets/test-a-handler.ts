// A handler test against real redis-server through the local Upstash endpoint (vitest).
import { describe, expect, it } from 'vitest';
import { batchEvent, finish, lambdaContext, nsqHandler } from '#shared/handler';
import { toggle } from '#shared/middleware/toggle';
import { toggleKey } from '#shared/toggle/keys';
import { createUpstashToggleReader } from '#shared/toggle/toggle-reader';
import { useLocalUpstash } from '#test/harness/upstash';

const upstash = useLocalUpstash(); // a redis-server + the endpoint for this file, stopped after it

describe('my handler', () => {
  it('requeues while its toggle is stopped', async () => {
    // Prepare
    const { client } = await upstash.start();
    const redis = client();
    const handler = nsqHandler({ body: 'text', handle: async () => finish() }).use(
      toggle({ reader: createUpstashToggleReader({ redis }), requeueDelayMs: 5_000 }),
    );
    await redis.set(toggleKey('my-fn'), 'stopped');
    const event = batchEvent(['hello'], { subscription: 'my-fn' });

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: event.messages[0]?.id, delayMs: 5_000, reason: 'toggle stopped' },
    ]);
  });
});
