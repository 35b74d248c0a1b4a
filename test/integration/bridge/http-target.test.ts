/**
 * Every HTTP reply class, end to end through the bridge: a real nsqd, the real HTTP invoker (undici,
 * signed requests) and a real HTTP endpoint on 127.0.0.1 that verifies each signature with
 * shared/edge/signature.ts. Counts come from nsqd's own stats (FIN, REQ, timeouts) and the dead letters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InvokeResult } from '#bridge/ports';
import {
  type HttpFunctionCall,
  type HttpFunctionServer,
  startHttpFunctionServer,
} from '#test/harness/http-function-server';
import { waitChannelIdle } from '#test/harness/nsq-channel';
import { useServices, waitFor } from '#test/harness/services';
import { type HttpBridge, SECRET, startHttpBridge } from './http-bridge-harness.ts';

const services = useServices();
let bridge: HttpBridge | undefined;
let server: HttpFunctionServer | undefined;
afterEach(async () => {
  await bridge?.stop();
  await server?.close();
  bridge = undefined;
  server = undefined;
});

const bodiesOf = (call: HttpFunctionCall) =>
  (call.event?.messages ?? []).map((m) => Buffer.from(m.body, 'base64').toString('utf8'));
const attemptsOf = (calls: readonly HttpFunctionCall[], body: string) =>
  calls
    .flatMap((c) =>
      (c.event?.messages ?? []).filter((m) => Buffer.from(m.body, 'base64').toString() === body),
    )
    .map((m) => m.attempts);
function results(b: HttpBridge): InvokeResult[] {
  const seen: InvokeResult[] = [];
  b.events.on('batch_invoked', ({ result }) => seen.push(result));
  return seen;
}

describe('HTTP target: every reply class through the bridge', () => {
  it('2xx: per-message outcomes; every request signed (both secrets during a rotation), one key per batch', async () => {
    const nsqd = await services.nsqd();
    // The endpoint still holds only the old secret; the bridge signs with the new and the old one.
    server = await startHttpFunctionServer({ secrets: ['old-secret-0123456789abcdef'] }, (call) => ({
      status: 200,
      body: {
        batchItemFailures: (call.event?.messages ?? [])
          .filter((m) => Buffer.from(m.body, 'base64').toString() === 'retry' && m.attempts === 1)
          .map((m) => ({ itemIdentifier: m.id, delayMs: 50 })),
      },
    }));
    bridge = await startHttpBridge(
      nsqd,
      { url: server.url, headers: { 'x-platform-token': 'abc' } },
      { maxMessages: 10, maxWaitMs: 100 },
      [SECRET, 'old-secret-0123456789abcdef'],
    );
    await nsqd.http.publishMany(bridge.topic, ['a', 'b', 'retry']);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(stats.message_count).toBe(3);
    expect(stats.requeue_count).toBe(1);
    expect(stats.timeout_count).toBe(0);
    expect(server.rejected).toEqual([]);
    expect(attemptsOf(server.calls, 'retry')).toEqual([1, 2]);
    for (const call of server.calls) {
      expect(call.signature.ok).toBe(true);
      expect(call.idempotencyKey).toBe(call.event?.batchId);
      expect(call.headers['x-platform-token']).toBe('abc');
      expect(call.headers['content-type']).toBe('application/json');
      expect(call.path).toBe('/batch');
    }
    expect(new Set(server.calls.map((c) => c.idempotencyKey)).size).toBe(server.calls.length);
  });

  it('2xx breaking the contract: handled as a malformed Lambda response (requeued, then processed)', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    server = await startHttpFunctionServer({ secrets: [SECRET] }, () =>
      ++calls === 1 ? { status: 200, body: { batchItemFailure: [] } } : { status: 200, body: null },
    );
    bridge = await startHttpBridge(nsqd, { url: server.url });
    const malformed: string[] = [];
    bridge.events.on('response_malformed', ({ problem }) => malformed.push(problem));
    await nsqd.http.publishMany(bridge.topic, ['m']);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(malformed).toHaveLength(1);
    expect(stats.requeue_count).toBe(1);
    expect(attemptsOf(server.calls, 'm')).toEqual([1, 2]);
  });

  it('401 (the endpoint holds another secret): the handler never runs, no attempt is spent, nothing lost', async () => {
    const nsqd = await services.nsqd();
    const ran: string[] = [];
    server = await startHttpFunctionServer({ secrets: ['someone-elses-secret-0123456789'] }, (call) => {
      ran.push(...bodiesOf(call));
      return { status: 200, body: null };
    });
    bridge = await startHttpBridge(nsqd, { url: server.url }, { maxMessages: 5, maxWaitMs: 100 });
    const seen = results(bridge);
    await nsqd.http.publishMany(bridge.topic, ['x', 'y']);
    await waitFor(() => (server?.rejected.length ?? 0) >= 2, { what: 'two refused requests' });
    // The endpoint gets the right secret (a finished rotation): the in-process retry goes through.
    server.setSecrets([SECRET]);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(ran.sort()).toEqual(['x', 'y']);
    expect(stats.requeue_count).toBe(0);
    expect(
      attemptsOf(
        server.calls.filter((c) => c.signature.ok),
        'x',
      ),
    ).toEqual([1]);
    expect(seen.filter((r) => r.kind === 'notExecuted').map((r) => 'errorType' in r && r.errorType)).toEqual(
      server.rejected.map(() => 'HttpUnauthorized'),
    );
    expect(bridge.deadLetters.records).toEqual([]);
  });

  it('a lasting 401 (a mistyped secret) never spends an attempt: REQueued past max-msg-timeout, never dead-lettered', async () => {
    // nsqd keeps a message in flight at most 3 s: the in-process retries of a refused batch run out and
    // it is REQueued, which nsqd counts as a delivery; the bridge does not.
    const nsqd = await services.nsqd({ args: ['--max-msg-timeout=3s'] });
    server = await startHttpFunctionServer({ secrets: ['mistyped-secret-0123456789'] });
    bridge = await startHttpBridge(
      nsqd,
      { url: server.url, timeoutMs: 1_000 },
      { maxAttempts: 2, maxMessages: 1, msgTimeoutMs: 2_000 },
      [SECRET],
      { maxMsgTimeoutMs: 3_000 },
    );
    const requeued: string[] = [];
    bridge.events.on('message_requeued', (e) => requeued.push(e.reason));
    await nsqd.http.publish(bridge.topic, 'kept');
    // Two REQs: at maxAttempts 2 the message would be dead-lettered at its second delivery if they counted.
    await waitFor(() => requeued.length >= 2, { what: 'two REQs after refusals', timeoutMs: 30_000 });
    server.setSecrets([SECRET]);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    const accepted = server.calls.filter((c) => c.signature.ok);
    expect(accepted).toHaveLength(1);
    expect(attemptsOf(accepted, 'kept')).toEqual([1]);
    expect(server.rejected.length).toBeGreaterThanOrEqual(2);
    expect(bridge.deadLetters.records).toEqual([]);
    expect(stats.requeue_count).toBe(requeued.length);
    expect(stats.message_count).toBe(1);
  }, 60_000);

  it('429 with Retry-After: throttled, no attempt spent, the retry waits the Retry-After', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    server = await startHttpFunctionServer({ secrets: [SECRET] }, () =>
      ++calls === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200, body: null },
    );
    bridge = await startHttpBridge(nsqd, { url: server.url });
    const throttles: number[] = [];
    bridge.events.on('throttled', ({ retryInMs }) => throttles.push(retryInMs));
    await nsqd.http.publishMany(bridge.topic, ['t']);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    const [first, second] = server.calls;
    expect(server.calls).toHaveLength(2);
    expect(throttles).toHaveLength(1);
    expect(throttles[0]).toBeGreaterThanOrEqual(1_000);
    expect((second?.receivedAtMs ?? 0) - (first?.receivedAtMs ?? 0)).toBeGreaterThanOrEqual(990);
    expect(second?.idempotencyKey).toBe(first?.idempotencyKey);
    expect(attemptsOf(server.calls, 't')).toEqual([1, 1]);
    expect(stats.requeue_count).toBe(0);
  });

  it('503 with Retry-After is a throttle too; 503 without it is ambiguous (requeued, redelivered)', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    server = await startHttpFunctionServer({ secrets: [SECRET] }, () => {
      calls++;
      if (calls === 1) return { status: 503, headers: { 'retry-after': '0' } };
      if (calls === 2) return { status: 503, body: 'overloaded' };
      return { status: 200, body: null };
    });
    bridge = await startHttpBridge(nsqd, { url: server.url });
    const seen = results(bridge);
    await nsqd.http.publishMany(bridge.topic, ['s']);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(seen.map((r) => r.kind)).toEqual(['throttled', 'ambiguous', 'ok']);
    expect(attemptsOf(server.calls, 's')).toEqual([1, 1, 2]);
    expect(stats.requeue_count).toBe(1);
  });

  it('413: the batch is split until it fits; a single message still too large is dead-lettered undeliverable', async () => {
    const nsqd = await services.nsqd();
    server = await startHttpFunctionServer({ secrets: [SECRET] }, (call) => {
      const bodies = bodiesOf(call);
      return bodies.length > 2 || bodies.includes('huge')
        ? { status: 413, body: 'payload too large' }
        : { status: 200, body: null };
    });
    bridge = await startHttpBridge(nsqd, { url: server.url }, { maxMessages: 8, maxWaitMs: 200 });
    await nsqd.http.publishMany(bridge.topic, ['1', '2', '3', '4', '5', '6', 'huge']);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    const processed = server.calls.filter((c) => bodiesOf(c).length <= 2 && !bodiesOf(c).includes('huge'));
    expect(processed.flatMap(bodiesOf).sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(
      bridge.deadLetters.records.map((r) => [r.reasonKind, Buffer.from(r.body, 'base64').toString()]),
    ).toEqual([['undeliverable', 'huge']]);
    expect(bridge.deadLetters.records[0]?.reason).toMatch(
      /HTTP 413 from http:\/\/127\.0\.0\.1:\d+\/batch: payload too large/,
    );
    expect(stats.requeue_count).toBe(0);
    expect(stats.message_count).toBe(7);
  });

  it('a timeout is ambiguous: requeued, redelivered and processed, nothing lost', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    server = await startHttpFunctionServer({ secrets: [SECRET] }, () =>
      ++calls === 1 ? { hang: true } : { status: 200, body: null },
    );
    bridge = await startHttpBridge(nsqd, { url: server.url, timeoutMs: 1_000 });
    const seen = results(bridge);
    await nsqd.http.publishMany(bridge.topic, ['slow']);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(seen[0]).toMatchObject({ kind: 'ambiguous', errorType: 'Timeout' });
    expect(seen[0]?.durationMs).toBeGreaterThanOrEqual(990);
    expect(attemptsOf(server.calls, 'slow')).toEqual([1, 2]);
    expect(stats.requeue_count).toBe(1);
    expect(stats.timeout_count).toBe(0);
  });

  it('a reset mid-request and a 500 are ambiguous; 408 too: requeued and redelivered', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    server = await startHttpFunctionServer({ secrets: [SECRET] }, () => {
      calls++;
      if (calls === 1) return { destroySocket: true };
      if (calls === 2) return { status: 500, body: 'boom' };
      if (calls === 3) return { status: 408 };
      return { status: 200, body: null };
    });
    bridge = await startHttpBridge(nsqd, { url: server.url }, { maxAttempts: 10 });
    const seen = results(bridge);
    await nsqd.http.publishMany(bridge.topic, ['r']);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(seen.map((r) => r.kind)).toEqual(['ambiguous', 'ambiguous', 'ambiguous', 'ok']);
    expect(seen[1]).toMatchObject({ errorType: 'Http500' });
    expect(attemptsOf(server.calls, 'r')).toEqual([1, 2, 3, 4]);
    expect(stats.requeue_count).toBe(3);
  });

  it('connection refused is not executed: no request reached anything, and once the endpoint is up all is processed', async () => {
    const nsqd = await services.nsqd();
    // A port that was free a moment ago: nothing listens on it yet.
    const probe = await startHttpFunctionServer({ secrets: [SECRET] });
    const port = probe.port;
    const url = probe.url;
    await probe.close();
    bridge = await startHttpBridge(nsqd, { url });
    const seen = results(bridge);
    await nsqd.http.publishMany(bridge.topic, ['c1', 'c2']);
    await waitFor(() => seen.some((r) => r.kind === 'notExecuted'), { what: 'a refused connection' });
    expect(seen[0]).toMatchObject({ kind: 'notExecuted', errorType: 'ECONNREFUSED' });
    server = await startHttpFunctionServer({ secrets: [SECRET], port });
    await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(server.calls.flatMap(bodiesOf).sort()).toEqual(['c1', 'c2']);
    expect(bridge.deadLetters.records).toEqual([]);
  });

  it('another 4xx is a function error with the status and the start of the body: dead-lettered after maxAttempts', async () => {
    const nsqd = await services.nsqd();
    server = await startHttpFunctionServer({ secrets: [SECRET] }, () => ({
      status: 422,
      body: { error: 'unprocessable: missing customer' },
    }));
    bridge = await startHttpBridge(nsqd, { url: server.url }, { maxAttempts: 2 });
    await nsqd.http.publishMany(bridge.topic, ['bad']);
    await waitFor(() => bridge?.deadLetters.records.length === 1, { what: 'the dead letter' });
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    const record = bridge.deadLetters.records[0];
    expect(record).toMatchObject({ reasonKind: 'maxAttempts', attempts: 2, functionName: 'edge' });
    expect(record?.lastError?.type).toBe('Http422');
    expect(record?.reason).toMatch(
      /HTTP 422 from http:\/\/127\.0\.0\.1:\d+\/batch: \{"error":"unprocessable: missing customer"\}/,
    );
    expect(stats.requeue_count).toBe(1);
    expect(stats.message_count).toBe(1);
  });
});
