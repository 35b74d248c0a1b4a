/**
 * The edge example (functions/template-edge) bundled for workerd and served by real workerd, reaching
 * redis-server through the local Upstash endpoint on 127.0.0.1: signed batches are answered per message,
 * dedupe and the toggle read and write Upstash from inside workerd, and a tampered signature or a skewed
 * clock is refused with 401 before anything runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Workerd } from '#dev/services/workerd';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import { SIGNATURE_HEADER, signRequest } from '#shared/edge/signature';
import { bundleEdgeFunction } from '#shared/functions/edge-bundling';
import { loadFunction } from '#shared/functions/loader';
import { batchEvent } from '#shared/handler';
import { toggleKey } from '#shared/toggle/keys';
import { waitFor, waitStable } from '#test/harness/services';
import { useLocalUpstash } from '#test/harness/upstash';

const secret = 'edge-test-secret-0123456789';
const upstash = useLocalUpstash();
const fixture = await upstash.start();
const redis = fixture.client({ automaticDeserialization: false });
const outDir = mkdtempSync(join(tmpdir(), 'edge-workerd-'));
const bundle = await bundleEdgeFunction(await loadFunction('template-edge'), outDir);
const workerd = await Workerd.start({
  configDir: outDir,
  workers: [
    {
      name: 'template-edge',
      bundleFile: bundle.file,
      bindings: {
        NSQ_LAMBDA_SIGNING_SECRET: secret,
        UPSTASH_REDIS_REST_URL: fixture.url,
        UPSTASH_REDIS_REST_TOKEN: fixture.token,
      },
    },
  ],
});
afterAll(async () => {
  await workerd.stop();
  rmSync(outDir, { recursive: true, force: true });
});

const dedupeKey = (id: string) => `nsq-lambda:dedupe:template-edge:${id}`;
const nowSec = () => Math.floor(Date.now() / 1000);

async function post(body: string, signature: string | null) {
  const res = await fetch(workerd.url('template-edge'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature !== null && { [SIGNATURE_HEADER]: signature }),
    },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function event(bodies: readonly unknown[]): NsqBatchEvent {
  return batchEvent(bodies, { subscription: 'template-edge' });
}

/** No dedupe mark appears for these messages over a quiet period: the handler never saw them. */
async function expectUntouched(ids: readonly string[]) {
  const marks = await waitStable(
    async () => JSON.stringify(await Promise.all(ids.map((id) => redis.get(dedupeKey(id))))),
    { what: 'no dedupe marks', quietMs: 300 },
  );
  expect(JSON.parse(marks)).toEqual(ids.map(() => null));
}

describe('an edge function on workerd', () => {
  it('answers a signed batch per message and marks the handled ones in Upstash', async () => {
    // Prepare
    const e = event([{ greeting: 'hello' }, { greeting: 'hi' }, { greting: 'typo' }]);
    const body = JSON.stringify(e);

    // Act
    const res = await post(body, await signRequest([secret], body, nowSec()));

    // Assess
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      batchItemFailures: [
        {
          itemIdentifier: e.messages[2]?.id,
          action: 'deadLetter',
          reason: expect.stringMatching(/greeting/),
        },
      ],
    });
    expect(await redis.get(dedupeKey(e.messages[0]?.id ?? ''))).toBe('done');
    expect(await redis.get(dedupeKey(e.messages[1]?.id ?? ''))).toBe('done');
  });

  it('finishes a redelivered message without running the handler again (dedupe through Upstash)', async () => {
    // Prepare
    const first = event([{ greeting: 'once' }]);
    const again: NsqBatchEvent = { ...first, batchId: `${first.batchId}-again` };
    const firstBody = JSON.stringify(first);
    await post(firstBody, await signRequest([secret], firstBody, nowSec()));
    await redis.set(dedupeKey(first.messages[0]?.id ?? ''), 'done');
    const body = JSON.stringify(again);

    // Act
    const res = await post(body, await signRequest([secret], body, nowSec()));

    // Assess: a duplicate is finished (no failure listed) and its mark stays `done`
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ batchItemFailures: [] });
    expect(await redis.get(dedupeKey(first.messages[0]?.id ?? ''))).toBe('done');
  });

  it('requeues the batch while the function is toggled off in Upstash', async () => {
    // Prepare
    await redis.set(toggleKey('template-edge'), 'stopped');

    try {
      // Act: the function caches a reading for up to 1 s, so the switch shows within a second
      const { e, res } = await waitFor(
        async () => {
          const e = event([{ greeting: 'paused' }]);
          const body = JSON.stringify(e);
          const res = await post(body, await signRequest([secret], body, nowSec()));
          return JSON.stringify(res.json).includes('toggle stopped') && { e, res };
        },
        { what: 'a batch requeued by the toggle', timeoutMs: 5_000, intervalMs: 100 },
      );

      // Assess
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        batchItemFailures: [{ itemIdentifier: e.messages[0]?.id, delayMs: 30_000, reason: 'toggle stopped' }],
      });
      await expectUntouched([e.messages[0]?.id ?? '']);
    } finally {
      await redis.del(toggleKey('template-edge'));
    }
  });

  it.each([
    [
      'a tampered body',
      async (b: string) => signRequest([secret], b.replace('"source"', '"Source"'), nowSec()),
      'mismatch',
    ],
    ['another secret', async (b: string) => signRequest(['not-the-secret'], b, nowSec()), 'mismatch'],
    ['a clock 10 minutes behind', async (b: string) => signRequest([secret], b, nowSec() - 600), 'timestamp'],
    ['a clock 10 minutes ahead', async (b: string) => signRequest([secret], b, nowSec() + 600), 'timestamp'],
    ['no signature', async () => null, 'missing'],
  ] as const)('refuses %s with 401 and runs nothing', async (_name, sign, reason) => {
    // Prepare
    const e = event([{ greeting: 'tampered' }]);
    const body = JSON.stringify(e);

    // Act
    const res = await post(body, await sign(body));

    // Assess
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: 'unauthorized', reason });
    expect(JSON.stringify(res.json)).not.toContain(secret);
    await expectUntouched([e.messages[0]?.id ?? '']);
  });
});
