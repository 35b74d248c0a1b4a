/**
 * The framework-free core of the handler kit: runs a per-message or per-batch handler over the
 * messages nobody decided yet, with bounded concurrency, and answers with the contract response.
 *
 * - A handler's returned outcome is recorded as is; returning nothing means finish.
 * - A thrown error requeues that message only (per batch: every message the handler did not answer).
 * - When `signal` aborts (the deadline), the answer is given at once: whatever is still unfinished is
 *   requeued, and late results are ignored.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { forEachWithConcurrency } from '#shared/concurrency';
import type { NsqBatchResult } from '#shared/contract/batch-result';
import type { NsqBatch } from './batch-state.ts';
import type { NsqMessage } from './message.ts';
import { kitLogger, type MessageLog, messageLog } from './message-log.ts';
import { isOutcome, type Outcome, requeue } from './outcome.ts';

export interface BatchContext {
  readonly batchId: string;
  readonly subscription: string;
  /** Aborts when the function nears its timeout; pass it to fetch and SDK calls. */
  readonly signal: AbortSignal;
  /** The Lambda context, when running in Lambda (or the local Lambda server). */
  readonly lambdaContext: Context | undefined;
  /** Milliseconds left before the Lambda timeout (Infinity without a Lambda context). */
  remainingTimeMs(): number;
}

export interface MessageContext extends BatchContext {
  /** Logs with the message id, attempts and batch id on every line. */
  readonly log: MessageLog;
}

export type MessageHandler<TBody> = (
  message: NsqMessage<TBody>,
  ctx: MessageContext,
) => Outcome | undefined | Promise<Outcome | undefined>;

/** Outcomes by message id; ids left out are finished. */
export type BatchOutcomes = ReadonlyMap<string, Outcome> | Readonly<Record<string, Outcome>>;

export type BatchHandler<TBody> = (
  messages: readonly NsqMessage<TBody>[],
  ctx: BatchContext & { readonly logger: Logger },
) => BatchOutcomes | undefined | Promise<BatchOutcomes | undefined>;

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly lambdaContext?: Context;
  readonly logger?: Logger;
}

/** The reason given to messages still unfinished at the deadline. */
export const DEADLINE_REASON = 'unfinished when the function neared its timeout';

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function batchContext(
  batch: NsqBatch,
  signal: AbortSignal,
  lambdaContext: Context | undefined,
): BatchContext {
  return {
    batchId: batch.event.batchId,
    subscription: batch.event.subscription,
    signal,
    lambdaContext,
    remainingTimeMs: () => lambdaContext?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * Runs `work` until it settles or `signal` aborts; on abort, seals the batch (unfinished → requeue)
 * and resolves immediately. Resolves synchronously inside the abort event, so a racing
 * early-timeout response (middy) sees the answer first.
 */
function untilDeadline(batch: NsqBatch, work: Promise<void>, signal: AbortSignal): Promise<NsqBatchResult> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      batch.seal('deadline', requeue(undefined, DEADLINE_REASON));
      resolve(batch.result());
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(batch.result());
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export function runPerMessage<TBody>(
  batch: NsqBatch,
  handle: MessageHandler<TBody>,
  options: RunOptions & { readonly concurrency: number },
): Promise<NsqBatchResult> {
  const signal = options.signal ?? new AbortController().signal;
  const logger = options.logger ?? kitLogger();
  const base = batchContext(batch, signal, options.lambdaContext);
  const work = forEachWithConcurrency(
    batch.pendingMessages<TBody>(),
    options.concurrency,
    async (message) => {
      const log = messageLog(logger, {
        messageId: message.id,
        attempts: message.attempts,
        batchId: base.batchId,
      });
      try {
        const outcome = await handle(message, { ...base, log });
        if (outcome !== undefined && !isOutcome(outcome)) {
          throw new TypeError(
            'the handler returned something that is not an outcome (use finish, requeue or deadLetter)',
          );
        }
        batch.decide(message.id, outcome ?? { kind: 'finish' }, 'handler');
      } catch (err) {
        if (batch.sealed) return;
        log.error(
          'handler failed; requeueing the message',
          err instanceof Error ? err : { error: String(err) },
        );
        batch.decide(message.id, requeue(undefined, `handler threw ${describeError(err)}`), 'error');
      }
    },
    signal,
  );
  return untilDeadline(batch, work, signal);
}

export function runPerBatch<TBody>(
  batch: NsqBatch,
  handle: BatchHandler<TBody>,
  options: RunOptions = {},
): Promise<NsqBatchResult> {
  const signal = options.signal ?? new AbortController().signal;
  const logger = options.logger ?? kitLogger();
  const messages = batch.pendingMessages<TBody>();
  const work = (async () => {
    if (messages.length === 0) return;
    try {
      const outcomes = await handle(messages, {
        ...batchContext(batch, signal, options.lambdaContext),
        logger,
      });
      const get = (id: string): Outcome | undefined =>
        outcomes === undefined
          ? undefined
          : outcomes instanceof Map
            ? outcomes.get(id)
            : (outcomes as Record<string, Outcome>)[id];
      for (const m of messages) {
        const outcome = get(m.id);
        if (outcome !== undefined && !isOutcome(outcome)) {
          throw new TypeError(`the batch handler returned a non-outcome for message ${m.id}`);
        }
        batch.decide(m.id, outcome ?? { kind: 'finish' }, 'handler');
      }
    } catch (err) {
      if (batch.sealed) return;
      logger.error('batch handler failed; requeueing its messages', {
        batchId: batch.event.batchId,
        error: err instanceof Error ? err : String(err),
      });
      for (const m of messages)
        batch.decide(m.id, requeue(undefined, `handler threw ${describeError(err)}`), 'error');
    }
  })();
  return untilDeadline(batch, work, signal);
}
