/**
 * toFetchHandler on Node's own Request/Response: the signature gate (401 before anything runs), the
 * statuses of docs/edge.md, and the same per-message result as the Lambda path.
 */
import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signRequest } from '#shared/edge/signature';
import {
  batchEvent,
  deadLetter,
  finish,
  nsqHandler,
  requeue,
  signingSecretsFrom,
  toFetchHandler,
} from '#shared/handler';

process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const secret = 'unit-secret';
const nowMs = 1_800_000_000_000;
const nowSec = nowMs / 1000;

function kit(onRun: (body: string, remainingMs: number, requestId: string) => void = () => {}) {
  const ran: string[] = [];
  const handler = nsqHandler({
    body: 'text',
    handle: async (message, ctx) => {
      ran.push(message.body);
      onRun(message.body, ctx.remainingTimeMs(), ctx.lambdaContext?.awsRequestId ?? '');
      if (message.body === 'later') return requeue(1_000, 'not yet');
      if (message.body === 'never') return deadLetter('poison');
      return finish();
    },
  });
  return {
    ran,
    fetch: toFetchHandler(handler, { signingSecrets: [secret], now: () => nowMs, timeoutMs: 20_000 }),
  };
}

async function request(body: string, signature: string | null, init: RequestInit = {}): Promise<Request> {
  return new Request('http://edge.test/', {
    method: 'POST',
    body,
    ...init,
    headers: { ...(signature !== null && { [SIGNATURE_HEADER]: signature }), ...init.headers },
  });
}

describe('toFetchHandler', () => {
  it('runs a signed batch through the kit and answers the per-message result as JSON', async () => {
    // Prepare
    const seen: { remainingMs: number; requestId: string }[] = [];
    const { ran, fetch } = kit((_b, remainingMs, requestId) => seen.push({ remainingMs, requestId }));
    const event = batchEvent(['ok', 'later', 'never']);
    const body = JSON.stringify(event);
    const signature = await signRequest([secret], body, nowSec);

    // Act
    const res = await fetch(
      await request(body, signature, { headers: { 'x-nsq-lambda-idempotency-key': 'attempt-1' } }),
    );

    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({
      batchItemFailures: [
        { itemIdentifier: event.messages[1]?.id, delayMs: 1_000, reason: 'not yet' },
        { itemIdentifier: event.messages[2]?.id, action: 'deadLetter', reason: 'poison' },
      ],
    });
    expect(ran).toEqual(['ok', 'later', 'never']);
    expect(seen[0]).toEqual({ remainingMs: 20_000, requestId: 'attempt-1' });
  });

  it('accepts either secret during a rotation', async () => {
    const handler = nsqHandler({ body: 'text', handle: async () => finish() });
    const fetch = toFetchHandler(handler, { signingSecrets: ['new', 'old'], now: () => nowMs });
    const body = JSON.stringify(batchEvent(['x']));
    for (const signer of [['old'], ['new'], ['new', 'old']]) {
      const res = await fetch(await request(body, await signRequest(signer, body, nowSec)));
      expect(res.status, signer.join('+')).toBe(200);
    }
  });

  it.each([
    ['no signature', async () => null, 'missing'],
    ['a malformed signature', async () => 'v1=abc', 'malformed'],
    ['a tampered body', async (b: string) => signRequest([secret], `${b} `, nowSec), 'mismatch'],
    ['another secret', async (b: string) => signRequest(['guess'], b, nowSec), 'mismatch'],
    ['a timestamp 301 s old', async (b: string) => signRequest([secret], b, nowSec - 301), 'timestamp'],
    ['a timestamp 301 s ahead', async (b: string) => signRequest([secret], b, nowSec + 301), 'timestamp'],
  ] as const)('answers %s with 401, runs nothing and never shows the secret', async (_n, sign, reason) => {
    // Prepare
    const { ran, fetch } = kit();
    const body = JSON.stringify(batchEvent(['ok']));

    // Act
    const res = await fetch(await request(body, await sign(body)));
    const text = await res.text();

    // Assess
    expect(res.status).toBe(401);
    expect(JSON.parse(text)).toMatchObject({ error: 'unauthorized', reason });
    expect(text).not.toContain(secret);
    expect(ran).toEqual([]);
  });

  it('answers 400 for a signed body that is not a batch event, and runs nothing', async () => {
    const { ran, fetch } = kit();
    for (const body of ['not json', '{"version":2}']) {
      const res = await fetch(await request(body, await signRequest([secret], body, nowSec)));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ errorType: 'InvalidBatchEvent' });
    }
    expect(ran).toEqual([]);
  });

  it('answers 405 to anything but POST and 413 to a body over maxBodyBytes', async () => {
    const handler = nsqHandler({ body: 'text', handle: async () => finish() });
    const fetch = toFetchHandler(handler, { signingSecrets: [secret], now: () => nowMs, maxBodyBytes: 100 });
    expect((await fetch(new Request('http://edge.test/'))).status).toBe(405);
    const body = JSON.stringify(batchEvent(['x'.repeat(200)]));
    const res = await fetch(await request(body, await signRequest([secret], body, nowSec)));
    expect(res.status).toBe(413);
  });

  it('answers 422 with the error when the invocation as a whole throws (a function error)', async () => {
    const handler = nsqHandler({ body: 'text', handle: async () => finish() }).use({
      before: () => {
        throw new TypeError('middleware bug');
      },
    });
    const fetch = toFetchHandler(handler, { signingSecrets: [secret], now: () => nowMs });
    const body = JSON.stringify(batchEvent(['x']));
    const res = await fetch(await request(body, await signRequest([secret], body, nowSec)));
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ errorType: 'TypeError', errorMessage: 'middleware bug' });
  });

  it('refuses to be built without a secret', () => {
    const handler = nsqHandler({ body: 'text', handle: async () => finish() });
    expect(() => toFetchHandler(handler, { signingSecrets: [] })).toThrow(/signingSecrets/);
    expect(() => toFetchHandler(handler, { signingSecrets: [''] })).toThrow(/signingSecrets/);
  });
});

describe('signingSecretsFrom', () => {
  it('reads the secret and, during a rotation, the previous one', () => {
    expect(signingSecretsFrom({ NSQ_LAMBDA_SIGNING_SECRET: 'a' })).toEqual(['a']);
    expect(
      signingSecretsFrom({ NSQ_LAMBDA_SIGNING_SECRET: 'a', NSQ_LAMBDA_SIGNING_SECRET_PREVIOUS: 'b' }),
    ).toEqual(['a', 'b']);
    expect(() => signingSecretsFrom({})).toThrow(/NSQ_LAMBDA_SIGNING_SECRET is not set/);
  });
});
