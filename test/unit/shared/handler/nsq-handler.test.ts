import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseBatchResult } from '#shared/contract/batch-result';
import { InvalidBatchEventError } from '#shared/errors';
import {
  batchEvent,
  deadLetter,
  eventMessage,
  finish,
  lambdaContext,
  nsqHandler,
  requeue,
} from '#shared/handler';

process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const orderSchema = z.object({ orderId: z.string().min(1), amount: z.number().positive() }).strict();

describe('nsqHandler per message', () => {
  it('maps finish, requeue with delay, deadLetter and a throw to the contract response', async () => {
    // Prepare
    const handler = nsqHandler({
      body: orderSchema,
      handle: async (message) => {
        if (message.body.orderId === 'later') return requeue(5_000, 'not yet');
        if (message.body.orderId === 'never') return deadLetter('unknown customer');
        if (message.body.orderId === 'boom') throw new Error('database down');
        return finish();
      },
    });
    const event = batchEvent([
      { orderId: 'ok', amount: 1 },
      { orderId: 'later', amount: 1 },
      { orderId: 'never', amount: 1 },
      { orderId: 'boom', amount: 1 },
    ]);
    const [ok, later, never, boom] = event.messages.map((m) => m.id);

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: later, delayMs: 5_000, reason: 'not yet' },
      { itemIdentifier: never, action: 'deadLetter', reason: 'unknown customer' },
      { itemIdentifier: boom, reason: 'handler threw Error: database down' },
    ]);
    const parsed = parseBatchResult(
      JSON.stringify(result),
      event.messages.map((m) => m.id),
    );
    expect(parsed.ok && parsed.outcomes.get(ok as string)).toEqual({ kind: 'finish' });
  });

  it('dead-letters a body that fails its schema or is not JSON, without calling the handler', async () => {
    // Prepare
    const seen: string[] = [];
    const handler = nsqHandler({
      body: orderSchema,
      handle: (message) => {
        seen.push(message.body.orderId);
        return undefined;
      },
    });
    const event = batchEvent([{ orderId: 'a', amount: 1 }, { orderId: 'b', amount: -3 }, 'not json {']);
    const [, invalid, notJson] = event.messages.map((m) => m.id);

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(seen).toEqual(['a']);
    expect(result.batchItemFailures).toEqual([
      {
        itemIdentifier: invalid,
        action: 'deadLetter',
        reason: expect.stringMatching(/^body failed validation: amount: /),
      },
      {
        itemIdentifier: notJson,
        action: 'deadLetter',
        reason: expect.stringMatching(/^body is not valid JSON/),
      },
    ]);
  });

  it('bounds the concurrency inside a batch', async () => {
    // Prepare
    let running = 0;
    let maxRunning = 0;
    const handler = nsqHandler({
      body: 'text',
      concurrency: 3,
      handle: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setImmediate(r));
        running--;
        return undefined;
      },
    });

    // Act
    const result = await handler(batchEvent(Array.from({ length: 10 }, (_, i) => `m${i}`)), lambdaContext());

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(maxRunning).toBe(3);
  });

  it('requeues the unfinished messages at the deadline and keeps the finished ones', async () => {
    // Prepare
    const handler = nsqHandler({
      body: 'text',
      concurrency: 2,
      deadlineMarginMs: 1_000,
      handle: async (message, ctx) => {
        if (message.body === 'fast') return finish();
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        return finish(); // too late: ignored
      },
    });
    const event = batchEvent(['fast', 'slow', 'fast', 'slow']);
    const ids = event.messages.map((m) => m.id);

    // Act
    const result = await handler(event, lambdaContext(1_300));

    // Assess
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: ids[1], reason: 'unfinished when the function neared its timeout' },
      { itemIdentifier: ids[3], reason: 'unfinished when the function neared its timeout' },
    ]);
  });

  it('throws a clear error on a malformed event', async () => {
    // Prepare
    const handler = nsqHandler({ body: 'bytes', handle: () => undefined });

    // Act
    const error = await handler(
      { version: 1, messages: [eventMessage('x', { attempts: 0 })] } as never,
      lambdaContext(),
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(InvalidBatchEventError);
    expect(String(error)).toMatch(/source/);
    expect(String(error)).toMatch(/messages\.0\.attempts/);
  });
});

describe('nsqHandler per batch', () => {
  it('finishes ids left out, applies returned outcomes, and requeues all on a throw', async () => {
    // Prepare
    const handler = nsqHandler({
      body: 'json',
      handleBatch: async (messages) => {
        const first = messages[0];
        return first ? { [first.id]: requeue(100) } : undefined;
      },
    });
    const failing = nsqHandler({
      body: 'json',
      handleBatch: () => {
        throw new Error('bulk insert failed');
      },
    });
    const event = batchEvent([1, 2]);
    const failingEvent = batchEvent([1, 2]);

    // Act
    const result = await handler(event, lambdaContext());
    const failed = await failing(failingEvent, lambdaContext());

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: event.messages[0]?.id, delayMs: 100 }]);
    expect(failed.batchItemFailures?.map((f) => f.itemIdentifier)).toEqual(
      failingEvent.messages.map((m) => m.id),
    );
  });
});
