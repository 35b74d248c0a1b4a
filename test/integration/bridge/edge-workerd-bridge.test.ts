/**
 * End to end with real processes: the bridge (in this process) reads a real nsqd and calls the HTTP
 * invoker (undici, signed requests), which POSTs to real workerd running the bundled edge function
 * (test/fixtures/functions-edge/edge-recorder), which reaches redis-server through the local Upstash
 * endpoint for dedupe and its records. Counts come from nsqd's stats, the function's records in Redis
 * and the dead letters: none lost, none processed twice (dedupe on), attempts spent only where the
 * contract says so.
 */

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { InvokeResult } from '#bridge/ports';
import { freePort } from '#dev/services/ports';
import { Workerd } from '#dev/services/workerd';
import { SIGNATURE_HEADER } from '#shared/edge/signature';
import { bundleEdgeFunction } from '#shared/functions/edge-bundling';
import { loadFunction } from '#shared/functions/loader';
import { waitChannelIdle } from '#test/harness/nsq-channel';
import { useServices, waitFor } from '#test/harness/services';
import { useLocalUpstash } from '#test/harness/upstash';
import { type HttpBridge, SECRET, startHttpBridge } from './http-bridge-harness.ts';

const services = useServices();
const upstash = useLocalUpstash();
const fixture = await upstash.start();
const redis = fixture.client({ automaticDeserialization: false });
/** The same endpoint with replies parsed (numbers come back as numbers). */
const values = fixture.client();
const nsqd = await services.nsqd();

const repoCache = fileURLToPath(new URL('../../../.cache', import.meta.url));
mkdirSync(repoCache, { recursive: true });
const outDir = mkdtempSync(join(repoCache, 'edge-e2e-'));
const fixtures = fileURLToPath(new URL('../../fixtures/functions-edge', import.meta.url));
const bundle = await bundleEdgeFunction(await loadFunction('edge-recorder', fixtures), outDir);
const port = await freePort();
let prefix = 'fx0';
let testNo = 0;

const startWorkerd = () =>
  Workerd.start({
    configDir: outDir,
    ports: { 'edge-recorder': port },
    workers: [
      {
        name: 'edge-recorder',
        bundleFile: bundle.file,
        bindings: {
          NSQ_LAMBDA_SIGNING_SECRET: SECRET,
          UPSTASH_REDIS_REST_URL: fixture.url,
          UPSTASH_REDIS_REST_TOKEN: fixture.token,
          FX_PREFIX: 'fx',
          MAX_BODY_BYTES: '4096',
        },
      },
    ],
  });
let workerd = await startWorkerd();
const url = `http://127.0.0.1:${port}/`;

let bridge: HttpBridge | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  await bridge?.stop();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  bridge = undefined;
  proxy = undefined;
});
afterAll(async () => {
  await workerd.stop();
  rmSync(outDir, { recursive: true, force: true });
});

/** Messages with ids unique to the test: `{"n": "<test>-<i>"}`. */
async function publish(topic: string, count: number, pad = ''): Promise<string[]> {
  prefix = `t${++testNo}`;
  const ns = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await nsqd.http.publishMany(
    topic,
    ns.map((n) => JSON.stringify(pad ? { n, pad } : { n })),
  );
  return ns;
}

async function recorded(
  hash: 'effects' | 'attempts',
  ns: readonly string[],
): Promise<Record<string, number>> {
  const all = (await values.hgetall<Record<string, number>>(`fx:${hash}`)) ?? {};
  return Object.fromEntries(ns.map((n) => [n, Number(all[n] ?? 0)]));
}
const each = (ns: readonly string[], value: number) => Object.fromEntries(ns.map((n) => [n, value]));

function results(b: HttpBridge): InvokeResult[] {
  const seen: InvokeResult[] = [];
  b.events.on('batch_invoked', ({ result }) => seen.push(result));
  return seen;
}

describe('bridge → HTTP invoker → workerd → local Upstash', () => {
  it('a normal stream: every message processed once, on its first attempt', async () => {
    bridge = await startHttpBridge(nsqd, { url }, { maxMessages: 10, maxWaitMs: 50 });
    const ns = await publish(bridge.topic, 30);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(stats.message_count).toBe(30);
    expect(stats.requeue_count).toBe(0);
    expect(await recorded('effects', ns)).toEqual(each(ns, 1));
    expect(await recorded('attempts', ns)).toEqual(each(ns, 1));
    expect(bridge.deadLetters.records).toEqual([]);
  });

  it('a tampered signature: workerd answers 401 before running, no attempt spent, nothing lost', async () => {
    // A proxy that flips one hex digit of the first request's signature, then passes requests through.
    const statuses: { status: number; body: string }[] = [];
    let tamper = 1;
    proxy = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k)),
      ) as Record<string, string>;
      const sig = headers[SIGNATURE_HEADER] ?? '';
      if (tamper-- > 0) headers[SIGNATURE_HEADER] = sig.replace(/.$/, (d) => (d === '0' ? '1' : '0'));
      const answer = await fetch(url, { method: 'POST', headers, body: Buffer.concat(chunks) });
      const body = await answer.text();
      statuses.push({ status: answer.status, body });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((r) => proxy?.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/`;
    bridge = await startHttpBridge(nsqd, { url: proxyUrl }, { maxMessages: 5, maxWaitMs: 100 });
    const seen = results(bridge);
    const ns = await publish(bridge.topic, 3);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(statuses[0]?.status).toBe(401);
    expect(JSON.parse(statuses[0]?.body ?? '{}')).toMatchObject({
      error: 'unauthorized',
      reason: 'mismatch',
    });
    expect(seen[0]).toMatchObject({ kind: 'notExecuted', errorType: 'HttpUnauthorized' });
    expect(stats.requeue_count).toBe(0);
    expect(await recorded('effects', ns)).toEqual(each(ns, 1));
    expect(await recorded('attempts', ns)).toEqual(each(ns, 1));
    expect(bridge.deadLetters.records).toEqual([]);
  });

  it('workerd killed mid-batch: ambiguous, redelivered, none lost, none processed twice', async () => {
    bridge = await startHttpBridge(nsqd, { url }, { maxMessages: 5, maxWaitMs: 100, maxAttempts: 100 });
    const seen = results(bridge);
    await redis.rpush('fx:slow', '5000');
    const ns = await publish(bridge.topic, 5);
    // The batch is in flight once it popped its delay: dedupe has claimed it, the side effect waits.
    await waitFor(async () => (await redis.llen('fx:slow')) === 0, {
      what: 'the batch running inside workerd',
    });
    workerd.process.kill('SIGKILL');
    await workerd.process.exited;
    workerd = await startWorkerd();
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel, 30_000);
    expect(seen[0]).toMatchObject({ kind: 'ambiguous' });
    expect(stats.message_count).toBe(5);
    expect(await recorded('effects', ns)).toEqual(each(ns, 1));
    expect(bridge.deadLetters.records).toEqual([]);
  });

  it('429 with Retry-After: throttled, the retry waits at least 1 s, no attempt spent', async () => {
    bridge = await startHttpBridge(nsqd, { url }, { maxMessages: 5, maxWaitMs: 100 });
    const throttles: number[] = [];
    bridge.events.on('throttled', ({ retryInMs }) => throttles.push(retryInMs));
    await redis.set('fx:throttle', '1');
    const ns = await publish(bridge.topic, 3);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(throttles.length).toBe(1);
    expect(throttles[0]).toBeGreaterThanOrEqual(1_000);
    expect(stats.requeue_count).toBe(0);
    expect(await recorded('effects', ns)).toEqual(each(ns, 1));
    expect(await recorded('attempts', ns)).toEqual(each(ns, 1));
  });

  it('413 from the function: the batch is split until it fits; one message too large is dead-lettered', async () => {
    bridge = await startHttpBridge(nsqd, { url }, { maxMessages: 10, maxWaitMs: 300 });
    const ns = await publish(bridge.topic, 8, 'x'.repeat(600));
    await nsqd.http.publishMany(bridge.topic, [
      JSON.stringify({ n: `${prefix}-huge`, pad: 'y'.repeat(5000) }),
    ]);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(await recorded('effects', ns)).toEqual(each(ns, 1));
    expect(bridge.deadLetters.records.map((r) => r.reasonKind)).toEqual(['undeliverable']);
    expect(bridge.deadLetters.records[0]?.reason).toMatch(/HTTP 413/);
    expect(stats.requeue_count).toBe(0);
    expect(stats.message_count).toBe(9);
  });

  it('a slow endpoint against the timeout: ambiguous, redelivered, processed once', async () => {
    bridge = await startHttpBridge(
      nsqd,
      { url, timeoutMs: 1_000 },
      { maxMessages: 5, maxWaitMs: 100, maxAttempts: 100 },
    );
    const seen = results(bridge);
    await redis.rpush('fx:slow', '1500');
    const ns = await publish(bridge.topic, 3);
    const stats = await waitChannelIdle(nsqd, bridge.topic, bridge.channel);
    expect(seen[0]).toMatchObject({ kind: 'ambiguous', errorType: 'Timeout' });
    expect(stats.message_count).toBe(3);
    expect(await recorded('effects', ns)).toEqual(each(ns, 1));
    expect(bridge.deadLetters.records).toEqual([]);
  });
});
