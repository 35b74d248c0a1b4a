import { describe, expect, it } from 'vitest';
import { createBridge } from '#bridge/bridge';
import { waitFor } from '#dev/services/wait';
import {
  FakeClaimChecks,
  FakeDeadLetters,
  FakeDelivery,
  FakeInvoker,
  FakeSource,
  ok,
  testConfig,
} from './fakes.ts';

describe('createBridge with a claim-check store', () => {
  it('claim-checks on Lambda subscriptions only; an HTTP target dead-letters a body too large for an event', async () => {
    // Prepare: one Lambda and one HTTP subscription, each with maxBytes 10 KB.
    process.env.EDGE_SECRET = 'test-secret';
    const config = testConfig({
      claimCheck: { bucket: 'claims', thresholdBytes: 100_000 },
      subscriptions: [
        { name: 'lambda', functionName: 'fn', topic: 'a', channel: 'c', maxWaitMs: 0, maxBytes: 10_240 },
        {
          name: 'edge',
          topic: 'b',
          channel: 'c',
          maxWaitMs: 0,
          maxBytes: 10_240,
          target: { type: 'http', url: 'https://edge.example.com/nsq', signingSecret: 'EDGE_SECRET' },
        },
      ],
    });
    const sources: FakeSource[] = [];
    const store = new FakeClaimChecks();
    const invoker = new FakeInvoker(() => ok());
    const deadLetters = new FakeDeadLetters();
    const bridge = createBridge({
      config,
      invoker,
      invokers: new Map([['edge', new FakeInvoker(() => ok())]]),
      deadLetters,
      claimChecks: store,
      createSource: () => {
        const s = new FakeSource();
        sources.push(s);
        return s;
      },
    });
    bridge.start();
    await waitFor(() => sources.every((s) => s.onMessage), { what: 'sources started' });

    // Act
    const toLambda = new FakeDelivery('big-lambda', Buffer.alloc(50_000, 1));
    const toEdge = new FakeDelivery('big-edge', Buffer.alloc(50_000, 2));
    sources[0]?.deliver(toLambda);
    sources[1]?.deliver(toEdge);
    await waitFor(() => toLambda.answers.length === 1 && toEdge.answers.length === 1, {
      what: 'both answered',
    });

    // Assess
    expect(store.puts).toBe(1);
    expect(toLambda.answers).toEqual([{ kind: 'finish' }]);
    expect(invoker.calls).toHaveLength(1);
    expect(deadLetters.records.map((r) => [r.subscription, r.reasonKind])).toEqual([
      ['edge', 'undeliverable'],
    ]);
    await bridge.stop();
  });
});
