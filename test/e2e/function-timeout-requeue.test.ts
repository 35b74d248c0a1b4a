/**
 * A real function timeout: the bridge (real nsqjs, real @aws-sdk/client-lambda) invokes a function that
 * hangs in the local Lambda, which kills it at its timeoutSec and answers `Sandbox.Timedout`. The bridge
 * requeues the batch, bisects it on the repeat, finishes the healthy messages and dead-letters the hanging
 * one after maxAttempts. Also the bridge's own invocation deadline passing while the function still runs.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { InvokeResult } from '#bridge/ports';
import { type LocalLambda, startLocalLambda } from '#dev/local-lambda/server';
import { loadFunctions } from '#shared/functions/loader';
import { useServices, waitFor } from '#test/harness/services';
import { startBridgeAt } from '../integration/bridge/bridge-harness.ts';

const services = useServices();
const functionsDir = fileURLToPath(new URL('../fixtures/functions-timeout', import.meta.url));
let lambda: LocalLambda | undefined;
afterAll(async () => {
  await lambda?.close();
});

async function localLambda(): Promise<LocalLambda> {
  lambda ??= await startLocalLambda({ functions: await loadFunctions(functionsDir), log: () => {} });
  return lambda;
}

describe('function timeout in the local Lambda → requeue', () => {
  it('Sandbox.Timedout requeues the batch, the repeat bisects: healthy messages finish, the hanging one is dead-lettered', async () => {
    const nsqd = await services.nsqd();
    const local = await localLambda();
    const bridge = await startBridgeAt(nsqd, local.endpoint, {
      functionName: 'hang-on-body',
      // The function's own timeout (timeoutSec 2) comes first; the bridge's deadline is 12 s.
      functionTimeoutMs: 2_000,
      // One batch of all four, whatever the timing of their arrival.
      maxMessages: 4,
      maxWaitMs: 5_000,
      maxAttempts: 3,
    });
    const results: InvokeResult[] = [];
    const finished: string[] = [];
    const requeued: Array<{ id: string; attempts: number; reason: string }> = [];
    bridge.events.on('batch_invoked', (e) => results.push(e.result));
    bridge.events.on('message_finished', (e) => finished.push(e.id));
    bridge.events.on('message_requeued', (e) => requeued.push(e));
    try {
      await nsqd.http.publishMany(bridge.topic, ['a', 'hang', 'c', 'd']);
      await waitFor(() => finished.length === 3 && bridge.deadLetters.records.length === 1, {
        what: '3 finished and 1 dead-lettered',
        timeoutMs: 45_000,
        intervalMs: 100,
      });
      const dead = bridge.deadLetters.records[0];
      expect(Buffer.from(dead?.body ?? '', 'base64').toString()).toBe('hang');
      expect(dead?.attempts).toBe(3);
      expect(dead?.lastError?.type).toBe('Sandbox.Timedout');

      const failures = results.filter((r) => r.kind === 'functionError');
      // Delivery 1: the batch of 4. Delivery 2 (a repeat): the batch of 4 again, then bisected: [a, hang], then
      // [hang] ([a] and [c, d] succeed). Delivery 3: [hang] alone, its last attempt.
      expect(failures.length).toBe(5);
      for (const f of failures) {
        expect(f).toMatchObject({ kind: 'functionError', errorType: 'Sandbox.Timedout' });
        if (f.kind === 'functionError') expect(f.errorMessage).toMatch(/Task timed out after 2\.00 seconds/);
      }
      // The batch of 4 was requeued once (attempts 1); then only the hanging message (attempts 2).
      expect(requeued.filter((r) => r.attempts === 1)).toHaveLength(4);
      expect(requeued.filter((r) => r.attempts === 2)).toHaveLength(1);
      expect(requeued).toHaveLength(5);
      const stats = await waitFor(
        async () => {
          const s = await nsqd.http.channelStats(bridge.topic, bridge.channel);
          return s && s.requeue_count === 5 && s.depth === 0 && s.in_flight_count === 0 ? s : undefined;
        },
        { what: 'nsqd to count the 5 REQs' },
      );
      // The bridge answered every delivery itself: nsqd timed nothing out.
      expect(stats.timeout_count).toBe(0);
      expect(local.stats()['hang-on-body']?.timeouts).toBe(5);
    } finally {
      await bridge.stop();
    }
  });

  it("the bridge's invocation deadline passes while the function still runs: ambiguous Timeout, requeued, then dead-lettered", async () => {
    const nsqd = await services.nsqd();
    const local = await localLambda();
    const timeoutsBefore = local.stats()['hang-on-body']?.timeouts ?? 0;
    const bridge = await startBridgeAt(nsqd, local.endpoint, {
      functionName: 'hang-on-body',
      // Configured below the deployed function's timeout (2 s): the bridge gives up at 1.5 s.
      functionTimeoutMs: 1_000,
      invocationTimeoutMs: 1_500,
      maxMessages: 1,
      maxAttempts: 2,
    });
    const results: InvokeResult[] = [];
    const requeued: number[] = [];
    bridge.events.on('batch_invoked', (e) => results.push(e.result));
    bridge.events.on('message_requeued', (e) => requeued.push(e.attempts));
    try {
      await nsqd.http.publish(bridge.topic, 'hang');
      await waitFor(() => bridge.deadLetters.records.length === 1, {
        what: 'the hanging message dead-lettered',
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      expect(results.map((r) => r.kind)).toEqual(['ambiguous', 'ambiguous']);
      for (const r of results) expect(r).toMatchObject({ errorType: 'Timeout' });
      expect(requeued).toEqual([1]);
      const stats = await waitFor(
        async () => {
          const s = await nsqd.http.channelStats(bridge.topic, bridge.channel);
          return s && s.requeue_count === 1 && s.depth === 0 && s.in_flight_count === 0 ? s : undefined;
        },
        { what: 'nsqd to count the REQ and the dead-letter FIN' },
      );
      expect(stats.timeout_count).toBe(0);
      // The abandoned invocations still ran to the function's own timeout in the local Lambda.
      await waitFor(() => (local.stats()['hang-on-body']?.timeouts ?? 0) - timeoutsBefore === 2, {
        what: 'the local Lambda to time out both abandoned invocations',
        timeoutMs: 10_000,
      });
    } finally {
      await bridge.stop();
    }
  });
});
