/**
 * The handler kit's middleware against a real redis-server through the local Upstash endpoint.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Redis } from '@upstash/redis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  batchEvent,
  finish,
  lambdaContext,
  NsqBatch,
  type NsqMessage,
  nsqHandler,
  requeue,
} from '#shared/handler';
import { dedupe, dedupeCore } from '#shared/middleware/dedupe';
import { observability } from '#shared/middleware/observability';
import { rateLimit } from '#shared/middleware/rate-limit';
import { toggle } from '#shared/middleware/toggle';
import { toggleKey } from '#shared/toggle/keys';
import { createUpstashToggleReader } from '#shared/toggle/toggle-reader';
import { useLocalUpstash } from '#test/harness/upstash';

process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const upstash = useLocalUpstash();
const fixture = await upstash.start();
const redis = fixture.client();
/** Nothing listens there: every call fails at once. */
const unreachable = new Redis({
  url: 'http://127.0.0.1:9',
  token: 'x',
  retry: false,
  enableTelemetry: false,
});

afterEach(() => {
  vi.restoreAllMocks();
});

function countingHandler() {
  const handled: string[] = [];
  const handler = nsqHandler({
    body: 'text',
    concurrency: 4,
    handle: async (message) => {
      handled.push(message.body);
      return finish();
    },
  });
  return { handled, handler };
}

describe('toggle middleware', () => {
  it('runs the handler while started and requeues with the delay while stopped (requeue policy)', async () => {
    // Prepare
    const { handled, handler } = countingHandler();
    handler.use(
      toggle({ reader: createUpstashToggleReader({ redis, cacheTtlMs: 0 }), requeueDelayMs: 7_000 }),
    );
    const fn = 'toggle-requeue';

    // Act
    const started = await handler(batchEvent(['a'], { subscription: fn }), lambdaContext());
    await redis.set(toggleKey(fn), 'stopped');
    const stoppedEvent = batchEvent(['b', 'c'], { subscription: fn });
    const stopped = await handler(stoppedEvent, lambdaContext());
    await redis.set(toggleKey(fn), 'started');
    const restarted = await handler(batchEvent(['d'], { subscription: fn }), lambdaContext());

    // Assess
    expect(started.batchItemFailures).toEqual([]);
    expect(stopped.batchItemFailures).toEqual(
      stoppedEvent.messages.map((m) => ({ itemIdentifier: m.id, delayMs: 7_000, reason: 'toggle stopped' })),
    );
    expect(restarted.batchItemFailures).toEqual([]);
    expect(handled).toEqual(['a', 'd']);
  });

  it('finishes without work while stopped with the drop policy, optionally dead-lettering', async () => {
    // Prepare
    const fn = 'toggle-drop';
    await redis.set(toggleKey(fn), 'stopped');
    const reader = createUpstashToggleReader({ redis });
    const dropping = countingHandler();
    dropping.handler.use(toggle({ reader, policy: 'drop' }));
    const deadLettering = countingHandler();
    deadLettering.handler.use(toggle({ reader, policy: 'drop', deadLetterDropped: true }));
    const event = batchEvent(['x'], { subscription: fn });

    // Act
    const dropped = await dropping.handler(batchEvent(['a', 'b'], { subscription: fn }), lambdaContext());
    const deadLettered = await deadLettering.handler(event, lambdaContext());

    // Assess
    expect(dropped.batchItemFailures).toEqual([]);
    expect(dropping.handled).toEqual([]);
    expect(deadLettered.batchItemFailures).toEqual([
      {
        itemIdentifier: event.messages[0]?.id,
        action: 'deadLetter',
        reason: 'dropped: toggle stopped',
        reasonKind: 'dropped',
      },
    ]);
    expect(deadLettering.handled).toEqual([]);
  });

  it('fails open by default and closed when asked, when Redis is unreachable', async () => {
    // Prepare
    const reader = createUpstashToggleReader({ redis: unreachable, timeoutMs: 2_000 });
    const open = countingHandler();
    open.handler.use(toggle({ reader }));
    const closed = countingHandler();
    closed.handler.use(toggle({ reader, failMode: 'closed', requeueDelayMs: 1_234 }));
    const closedEvent = batchEvent(['b']);

    // Act
    const openResult = await open.handler(batchEvent(['a']), lambdaContext());
    const closedResult = await closed.handler(closedEvent, lambdaContext());

    // Assess
    expect(await reader.read('test-fn')).toBe('unknown');
    expect(openResult.batchItemFailures).toEqual([]);
    expect(open.handled).toEqual(['a']);
    expect(closedResult.batchItemFailures).toEqual([
      { itemIdentifier: closedEvent.messages[0]?.id, delayMs: 1_234, reason: 'toggle stopped' },
    ]);
    expect(closed.handled).toEqual([]);
  });

  it('caches a reading for at most the TTL, with one read for concurrent callers', async () => {
    // Prepare
    let nowMs = 1_000_000;
    const reader = createUpstashToggleReader({ redis, cacheTtlMs: 1_000, now: () => nowMs });
    const fn = 'toggle-cache';
    await redis.set(toggleKey(fn), 'stopped');

    // Act
    const first = await Promise.all([reader.read(fn), reader.read(fn)]);
    await redis.del(toggleKey(fn));
    const cached = await reader.read(fn);
    nowMs += 1_001;
    const fresh = await reader.read(fn);

    // Assess
    expect(first).toEqual(['stopped', 'stopped']);
    expect(cached).toBe('stopped');
    expect(fresh).toBe('started');
  });
});

describe('rate limit middleware', () => {
  it('lets the first N through and requeues the rest with the reset delay, per key', async () => {
    // Prepare
    const handled: string[] = [];
    const handler = nsqHandler({
      body: 'json',
      concurrency: 4,
      handle: async (message: NsqMessage<unknown>) => {
        handled.push(String((message.body as { n: number }).n));
        return finish();
      },
    }).use(
      rateLimit<unknown>({
        redis,
        prefix: 'rl-test-1',
        limiter: { kind: 'slidingWindow', tokens: 3, window: '60 s' },
        key: (m) => (m.body as { host: string }).host,
      }),
    );
    const event = batchEvent([
      { host: 'a', n: 1 },
      { host: 'a', n: 2 },
      { host: 'a', n: 3 },
      { host: 'a', n: 4 },
      { host: 'a', n: 5 },
      { host: 'b', n: 6 },
    ]);

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(handled.sort()).toEqual(['1', '2', '3', '6']);
    const failures = result.batchItemFailures ?? [];
    expect(failures.map((f) => f.itemIdentifier)).toEqual([event.messages[3]?.id, event.messages[4]?.id]);
    for (const f of failures) {
      expect(f).toMatchObject({ reason: 'rate limited' });
      const delayMs = 'delayMs' in f ? (f.delayMs ?? 0) : 0;
      expect(delayMs).toBeGreaterThan(0);
      expect(delayMs).toBeLessThanOrEqual(60_000); // at most until the window's end
    }
  });

  it('spends tokens across batches with a token bucket and limits the next batch', async () => {
    // Prepare
    const { handled, handler } = countingHandler();
    handler.use(
      rateLimit({
        redis,
        prefix: 'rl-test-2',
        limiter: { kind: 'tokenBucket', refillRate: 1, interval: '1 h', maxTokens: 2 },
      }),
    );

    // Act
    const first = await handler(batchEvent(['a']), lambdaContext());
    const second = await handler(batchEvent(['b', 'c']), lambdaContext());

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toHaveLength(1);
    expect(handled).toEqual(['a', 'b']);
  });

  it('fails open by default and closed when asked', async () => {
    // Prepare
    const open = countingHandler();
    open.handler.use(
      rateLimit({ redis: unreachable, limiter: { kind: 'fixedWindow', tokens: 1, window: '1 s' } }),
    );
    const closed = countingHandler();
    closed.handler.use(
      rateLimit({
        redis: unreachable,
        limiter: { kind: 'fixedWindow', tokens: 1, window: '1 s' },
        failMode: 'closed',
        failClosedDelayMs: 999,
      }),
    );

    // Act
    const openResult = await open.handler(batchEvent(['a', 'b']), lambdaContext());
    const closedResult = await closed.handler(batchEvent(['c']), lambdaContext());

    // Assess
    expect(openResult.batchItemFailures).toEqual([]);
    expect(closedResult.batchItemFailures).toEqual([expect.objectContaining({ delayMs: 999 })]);
    expect(closed.handled).toEqual([]);
  });
});

describe('dedupe middleware', () => {
  it('finishes duplicates without work, by message id and by content key', async () => {
    // Prepare
    const { handled, handler } = countingHandler();
    handler.use(
      dedupe({ redis, prefix: 'dd-1:', key: (m: NsqMessage<unknown>) => String(m.body), ttlSec: 60 }),
    );
    const first = batchEvent(['https://example.com/a', 'https://example.com/b']);
    const second = batchEvent(['https://example.com/a', 'https://example.com/c']);

    // Act
    await handler(first, lambdaContext());
    const secondResult = await handler(second, lambdaContext());

    // Assess
    expect(secondResult.batchItemFailures).toEqual([]);
    expect(handled).toEqual(['https://example.com/a', 'https://example.com/b', 'https://example.com/c']);
    expect(await redis.get('dd-1:https://example.com/a')).toBe('done');
  });

  it('requeues a duplicate of a message still in progress, then lets the retry through after a requeue', async () => {
    // Prepare
    let release: () => void = () => {};
    const blocked = new Promise<void>((r) => {
      release = r;
    });
    const handled: string[] = [];
    let failNext = false;
    const handler = nsqHandler({
      body: 'text',
      handle: async (message) => {
        handled.push(message.body);
        if (message.body === 'slow') await blocked;
        if (failNext) return requeue(10);
        return finish();
      },
    }).use(
      dedupe({
        redis,
        prefix: 'dd-2:',
        key: (m: NsqMessage<unknown>) => String(m.body),
        inProgressRequeueDelayMs: 3_000,
      }),
    );
    const duplicate = batchEvent(['slow']);

    // Act
    const firstRun = handler(batchEvent(['slow']), lambdaContext());
    await vi.waitFor(() => expect(handled).toEqual(['slow']), { timeout: 10_000 });
    const duplicateResult = await handler(duplicate, lambdaContext());
    release();
    await firstRun;
    failNext = true;
    await handler(batchEvent(['requeued-one']), lambdaContext());
    failNext = false;
    const retry = await handler(batchEvent(['requeued-one']), lambdaContext());

    // Assess
    expect(duplicateResult.batchItemFailures).toEqual([
      {
        itemIdentifier: duplicate.messages[0]?.id,
        delayMs: 3_000,
        reason: 'duplicate of a message in progress',
      },
    ]);
    expect(retry.batchItemFailures).toEqual([]);
    expect(handled).toEqual(['slow', 'requeued-one', 'requeued-one']);
  });

  it('recognises its own claims when the same batch is invoked again', async () => {
    // Prepare
    const { handled, handler } = countingHandler();
    handler.use(dedupe({ redis, prefix: 'dd-3:' }));
    const event = batchEvent(['a']);
    const claimKey = `dd-3:${event.messages[0]?.id}`;
    await redis.set(claimKey, `claim:${event.batchId}:${event.messages[0]?.id}`);

    // Act
    const result = await handler(structuredClone(event), lambdaContext());

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(handled).toEqual(['a']);
  });
});

describe('dedupe releases only its own claims (compare-and-delete)', () => {
  it('keeps a done mark written after the claim (a handler that outlived the deadline finished its effect)', async () => {
    // Prepare: this invocation claims; the handler, still running after the deadline answer, commits its
    // effect and the done mark in one transaction before the release reaches Redis.
    const core = dedupeCore({ redis, prefix: 'dd-cad-1:' });
    const batch = NsqBatch.of(batchEvent(['late']));
    const claims = await core.claim(batch, redis);
    const key = [...claims.values()][0]?.key as string;
    await redis.set(key, 'done');

    // Act
    await core.release(claims, redis);

    // Assess: the mark stays, so a redelivery finishes as a duplicate instead of running again.
    expect(claims.size).toBe(1);
    expect(await redis.get(key)).toBe('done');
  });

  it("keeps another invocation's claim after ours expired, and deletes ours while it holds", async () => {
    const core = dedupeCore({ redis, prefix: 'dd-cad-2:' });
    const batch = NsqBatch.of(batchEvent(['mine', 'theirs']));
    const claims = await core.claim(batch, redis);
    const [mine, theirs] = batch.messages.map((m) => claims.get(m.id)?.key as string);
    await redis.set(theirs as string, 'claim:another-batch:x');
    for (const m of batch.messages) batch.decide(m.id, requeue(), 'handler');

    await core.settle(batch, claims, redis);

    expect(await redis.get(mine as string)).toBeNull();
    expect(await redis.get(theirs as string)).toBe('claim:another-batch:x');
  });
});

describe('the whole stack', () => {
  it('dead-letters a validation failure with its reason and emits per-outcome metrics', async () => {
    // Prepare
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const metrics = new Metrics({ namespace: 'nsq-lambda-test', serviceName: 'stack' });
    const { z } = await import('zod');
    const handler = nsqHandler({
      body: z.object({ url: z.url() }).strict(),
      handle: async () => finish(),
    })
      .use(observability({ metrics }))
      .use(toggle({ reader: createUpstashToggleReader({ redis }) }))
      .use(
        rateLimit({
          redis,
          prefix: 'rl-stack',
          limiter: { kind: 'slidingWindow', tokens: 100, window: '60 s' },
        }),
      )
      .use(dedupe({ redis, prefix: 'dd-stack:' }));
    const event = batchEvent([{ url: 'https://example.com/' }, { url: 'not a url' }]);

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(result.batchItemFailures).toEqual([
      {
        itemIdentifier: event.messages[1]?.id,
        action: 'deadLetter',
        reason: expect.stringMatching(/^body failed validation: url: /),
      },
    ]);
    const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => '_aws' in l);
    expect(emf).toMatchObject({
      Messages: 2,
      MessagesFinished: 1,
      MessagesDeadLettered: 1,
      ValidationFailed: 1,
    });
    expect(emf?.HandlerDurationMs).toEqual(expect.any(Number));
  });
});

describe('the deadline with dedupe', () => {
  it('requeues unfinished messages at the deadline and releases their claims so the retry runs', async () => {
    // Prepare
    const handled: string[] = [];
    let slowBlocks = true;
    const handler = nsqHandler({
      body: 'text',
      concurrency: 2,
      deadlineMarginMs: 1_000,
      handle: async (message, ctx) => {
        handled.push(message.body);
        if (message.body.startsWith('slow') && slowBlocks) {
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        }
        return finish();
      },
    }).use(dedupe({ redis, prefix: 'dd-deadline:', key: (m: NsqMessage<unknown>) => String(m.body) }));
    const event = batchEvent(['fast-1', 'slow-1']);

    // Act
    const first = await handler(event, lambdaContext(1_500));
    slowBlocks = false;
    const retry = await handler(batchEvent(['slow-1', 'fast-1']), lambdaContext());

    // Assess
    expect(first.batchItemFailures).toEqual([
      { itemIdentifier: event.messages[1]?.id, reason: 'unfinished when the function neared its timeout' },
    ]);
    expect(retry.batchItemFailures).toEqual([]);
    expect(handled).toEqual(['fast-1', 'slow-1', 'slow-1']);
    expect(await redis.get('dd-deadline:slow-1')).toBe('done');
  });
});
