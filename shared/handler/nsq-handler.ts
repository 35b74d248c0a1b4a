/**
 * The middy adapter of the handler kit:
 *
 *   export const handler = nsqHandler({ body: schema, concurrency: 4, handle: async (message, ctx) => finish() })
 *     .use(observability({ logger, metrics }))
 *     .use(toggle({ ... }))
 *     .use(rateLimit({ ... }))
 *     .use(dedupe({ ... }));
 *
 * It validates the event (a malformed event throws `InvalidBatchEventError`), reads each claim-checked
 * body from S3 (one GET per message, shared/handler/claim-check-reader.ts), reads every body the
 * declared way (unreadable → dead-lettered at once), then runs the handler on the messages the
 * middlewares left undecided. At middy's early timeout the unfinished messages come back as requeue.
 *
 * Invalid options throw an `OptionsError` listing every problem when the handler is created; a kit
 * middleware attached in an order that would give wrong results (observability after toggle, rateLimit
 * or dedupe; one attached twice) throws a `MiddlewareOrderError` from `use` (middleware-order.ts).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import type { NsqBatchResult } from '#shared/contract/batch-result';
import { MiddlewareOrderError } from '#shared/errors';
import { NsqBatch } from './batch-state.ts';
import type { BodyOf, BodySpec } from './body.ts';
import { type ClaimCheckReader, s3ClaimCheckReader } from './claim-check-reader.ts';
import { middlewareOrderProblem } from './middleware-order.ts';
import { fn, instance, int, parseOptions } from './options.ts';
import { type BatchHandler, type MessageHandler, runPerBatch, runPerMessage } from './process-batch.ts';

export type NsqMiddleware = middy.MiddlewareObj<NsqBatchEvent, NsqBatchResult, Error, Context>;
export type NsqMiddyHandler = middy.MiddyfiedHandler<NsqBatchEvent, NsqBatchResult, Error, Context>;

interface CommonOptions<S extends BodySpec> {
  /** How bodies are read: 'bytes', 'text', 'json' or a zod schema (JSON validated by it). */
  readonly body: S;
  /** Powertools logger for the kit's and the handler's lines. @default a Logger for POWERTOOLS_SERVICE_NAME */
  readonly logger?: Logger;
  /**
   * Time kept before the Lambda timeout to answer with what is done (middy's timeoutEarlyInMillis):
   * unfinished messages are requeued. @default 1_000
   */
  readonly deadlineMarginMs?: number;
  /**
   * Reads claim-checked bodies (docs/contract.md, "Claim checks"). Created on the first claim-checked
   * message. @default s3ClaimCheckReader(): the handlers' S3 client, at env S3_ENDPOINT when set
   */
  readonly claimChecks?: ClaimCheckReader;
}

export type NsqHandlerOptions<S extends BodySpec> = CommonOptions<S> &
  (
    | {
        /** Called once per message; returns an outcome (nothing = finish); a throw requeues that message. */
        readonly handle: MessageHandler<BodyOf<S>>;
        /** Messages handled at once within the batch. @default 1 */
        readonly concurrency?: number;
      }
    | {
        /** Called once with every undecided message; returns outcomes by id (missing = finish). */
        readonly handleBatch: BatchHandler<BodyOf<S>>;
      }
  );

/**
 * Validates the event, reads claim-checked bodies from S3 and reads every body in `before`, so later
 * middlewares see typed bodies. The S3 reader is made only when a batch holds a claim check.
 */
export function readBatchBodies(
  body: BodySpec,
  options: { readonly claimChecks?: ClaimCheckReader } = {},
): NsqMiddleware {
  let reader = options.claimChecks;
  return {
    name: 'nsq-read-bodies',
    before: async (request) => {
      const batch = NsqBatch.of(request.event);
      if (batch.unresolvedClaimChecks().length > 0) {
        reader ??= s3ClaimCheckReader();
        const remainingMs = request.context?.getRemainingTimeInMillis?.();
        // Leave the handler's deadline margin: a GET still running then is abandoned (the message requeued).
        const signal =
          remainingMs === undefined ? undefined : AbortSignal.timeout(Math.max(1, remainingMs - 1_000));
        await batch.resolveClaimChecks(reader, signal);
      }
      batch.readBodies(body);
    },
    // Attached first, so these run last: every other middleware's after/onError still sees the state.
    after: (request) => {
      NsqBatch.release(request.event);
    },
    onError: (request) => {
      NsqBatch.release(request.event);
    },
  };
}

const nsqHandlerOptionsSchema = z
  .object({
    body: z.custom<BodySpec>(
      (v) =>
        v === 'bytes' ||
        v === 'text' ||
        v === 'json' ||
        (typeof v === 'object' && v !== null && typeof (v as z.ZodType).safeParse === 'function'),
      "expected 'bytes', 'text', 'json' or a zod schema",
    ),
    logger: instance<Logger>(
      'a Powertools Logger',
      (v) => typeof (v as Logger).info === 'function',
    ).optional(),
    deadlineMarginMs: int(0).default(1_000),
    claimChecks: instance<ClaimCheckReader>(
      'a ClaimCheckReader',
      (v) => typeof (v as ClaimCheckReader).get === 'function',
    ).optional(),
    handle: fn<MessageHandler<unknown>>().optional(),
    concurrency: int(1).optional(),
    handleBatch: fn<BatchHandler<unknown>>().optional(),
  })
  .strict();

/** Rules across fields: exactly one of handle and handleBatch; concurrency only with handle. */
function handlerRules(options: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if ((options.handle === undefined) === (options.handleBatch === undefined))
    problems.push('handle / handleBatch: give exactly one (handle per message, handleBatch per batch)');
  if (options.handleBatch !== undefined && options.concurrency !== undefined)
    problems.push('concurrency: only with handle (handleBatch gets every undecided message at once)');
  return problems;
}

/** Throws an OptionsError listing every problem of `options`. */
export function nsqHandler<S extends BodySpec>(options: NsqHandlerOptions<S>): NsqMiddyHandler {
  const { deadlineMarginMs } = parseOptions('nsqHandler', nsqHandlerOptionsSchema, options, handlerRules);
  // The answer given at the deadline. The abort listener resolves the handler's promise first, so
  // middy's race normally takes that; timeoutEarlyResponse returns the same answer should it win.
  let deadlineAnswer: NsqBatchResult | undefined;
  const base = (
    event: NsqBatchEvent,
    context: Context,
    opts: { signal: AbortSignal },
  ): Promise<NsqBatchResult> => {
    deadlineAnswer = undefined;
    const batch = NsqBatch.of(event);
    batch.readBodies(options.body);
    const run = {
      signal: opts.signal,
      lambdaContext: context,
      ...(options.logger && { logger: options.logger }),
    };
    const result =
      'handle' in options
        ? runPerMessage(batch, options.handle, { ...run, concurrency: options.concurrency ?? 1 })
        : runPerBatch(batch, options.handleBatch, run);
    opts.signal.addEventListener(
      'abort',
      () => {
        deadlineAnswer = batch.result();
      },
      { once: true },
    );
    return result;
  };
  const handler = middy<NsqBatchEvent, NsqBatchResult, Error, Context>(base, {
    timeoutEarlyInMillis: deadlineMarginMs,
    timeoutEarlyResponse: () => {
      // Never answer `undefined` here: the contract reads a null response as "all succeeded".
      if (deadlineAnswer) return deadlineAnswer;
      throw new Error('the deadline passed before the batch had an answer; the bridge requeues the batch');
    },
  }).use(readBatchBodies(options.body, options.claimChecks ? { claimChecks: options.claimChecks } : {}));
  return checkingOrder(handler);
}

/** Makes `use` refuse an order of the kit's middlewares that would give wrong results. */
function checkingOrder(handler: NsqMiddyHandler): NsqMiddyHandler {
  const attached: (string | undefined)[] = [];
  const use = handler.use;
  handler.use = ((middlewares: NsqMiddleware | NsqMiddleware[]) => {
    for (const m of Array.isArray(middlewares) ? middlewares : [middlewares]) {
      const problem = middlewareOrderProblem(attached, m.name);
      if (problem) throw new MiddlewareOrderError([...attached, m.name].filter(isName), problem);
      attached.push(m.name);
    }
    use(middlewares);
    return handler;
  }) as NsqMiddyHandler['use'];
  return handler;
}

const isName = (n: string | undefined): n is string => n !== undefined;
