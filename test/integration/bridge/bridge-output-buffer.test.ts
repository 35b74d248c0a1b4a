import { afterEach, describe, expect, it } from 'vitest';
import { useServices, waitFor } from '#test/harness/services';
import { type Started, startBridge } from './bridge-harness.ts';

const services = useServices();
let current: Started | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe('nsqd output buffer', () => {
  it("asks nsqd for a short output_buffer_timeout, so a lone message is not held for nsqd's default", async () => {
    // nsqd holds unflushed writes until its output buffer timeout; here its default for clients is 10 s.
    const nsqd = await services.nsqd({ args: ['--output-buffer-timeout=10s'] });
    const invokedAt: number[] = [];
    current = await startBridge(
      nsqd,
      () => {
        invokedAt.push(Date.now());
        return { body: null };
      },
      { maxWaitMs: 0 },
    );
    // Three lone messages, one after the other: each reaches the function long before 10 s.
    for (let i = 0; i < 3; i++) {
      const before = invokedAt.length;
      await nsqd.http.publish(current.topic, `lone ${i}`);
      await waitFor(() => invokedAt.length > before, { what: `message ${i} invoked`, timeoutMs: 3_000 });
    }
    expect(invokedAt).toHaveLength(3);
  });
});
