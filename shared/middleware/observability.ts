/**
 * Timing, metrics and logs for a batch, with Powertools Metrics (EMF) and Logger:
 *
 * - metrics per invocation: `HandlerDurationMs`, `Messages`, `MessagesFinished`, `MessagesRequeued`,
 *   `MessagesDeadLettered`, per decision source (`ValidationFailed`, `ToggleStopped`, `RateLimited`,
 *   `Duplicates`, `InProgressDuplicates`, `HandlerErrors`, `DeadlineRequeued`), the events middlewares
 *   counted (`ToggleUnknown`, `ToggleDropped`, `RateLimitUnknown`, `DedupeUnknown`...), `InvocationErrors`,
 *   and `ColdStart` (Powertools detects it in Lambda only);
 * - logs: the batch id, subscription and message count on every line of the invocation, one summary
 *   line per batch; the handler's per-message lines add the message id and attempts (ctx.log).
 *
 * Attach it first (right after nsqHandler's own body reader) so its `after` runs last: nsqHandler's
 * `use` throws a MiddlewareOrderError when it comes after toggle, rateLimit or dedupe. The kit's
 * middlewares never return early, so `after` (or `onError`) always runs and always flushes: no
 * metrics leak into the next invocation (the early-return pitfall in the Powertools docs).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { NsqBatch } from '#shared/handler/batch-state';
import { kitLogger } from '#shared/handler/message-log';
import type { NsqMiddleware } from '#shared/handler/nsq-handler';
import { instance, parseOptions } from '#shared/handler/options';

export interface ObservabilityOptions {
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  /** Emit the ColdStart metric. @default true */
  readonly captureColdStart?: boolean;
}

/** Metric names for messages decided by each source, by outcome. */
const SOURCE_METRICS: Record<string, Partial<Record<'finish' | 'requeue' | 'deadLetter', string>>> = {
  validation: { deadLetter: 'ValidationFailed' },
  toggle: { requeue: 'ToggleStopped', finish: 'ToggleStopped', deadLetter: 'ToggleStopped' },
  error: { requeue: 'HandlerErrors' },
  deadline: { requeue: 'DeadlineRequeued' },
};

export interface BatchMetricValues {
  readonly [name: string]: number;
}

/** Framework-free: the metric values for a finished batch. */
export function batchMetricValues(batch: NsqBatch): BatchMetricValues {
  const counts = batch.counts();
  const values: Record<string, number> = {
    Messages: batch.messages.length,
    MessagesFinished: counts.finish,
    MessagesRequeued: counts.requeue,
    MessagesDeadLettered: counts.deadLetter,
  };
  for (const [source, byKind] of Object.entries(counts.bySource)) {
    for (const [kind, n] of Object.entries(byKind)) {
      const name = SOURCE_METRICS[source]?.[kind as 'finish'];
      if (name && n > 0) values[name] = (values[name] ?? 0) + n;
    }
  }
  for (const [name, n] of batch.events) values[name] = (values[name] ?? 0) + n;
  return values;
}

const observabilityOptionsSchema = z
  .object({
    metrics: instance<Metrics>(
      'a Powertools Metrics',
      (v) => typeof (v as Metrics).addMetric === 'function',
    ).optional(),
    logger: instance<Logger>(
      'a Powertools Logger',
      (v) => typeof (v as Logger).info === 'function',
    ).optional(),
    captureColdStart: z.boolean().default(true),
  })
  .strict();

/** Throws an OptionsError listing every problem of `options`. */
export function observability(options: ObservabilityOptions = {}): NsqMiddleware {
  const { captureColdStart } = parseOptions('nsq-observability', observabilityOptionsSchema, options);
  const startedAt = new WeakMap<object, number>();
  const logger = () => options.logger ?? kitLogger();

  const flush = (event: object, failed: unknown) => {
    const durationMs = performance.now() - (startedAt.get(event) ?? performance.now());
    let values: BatchMetricValues = {};
    try {
      values = batchMetricValues(NsqBatch.of(event));
    } catch {
      // An invalid event: only the error is counted.
    }
    const metrics = options.metrics;
    if (metrics) {
      metrics.addMetric('HandlerDurationMs', MetricUnit.Milliseconds, durationMs);
      for (const [name, n] of Object.entries(values)) metrics.addMetric(name, MetricUnit.Count, n);
      if (failed) metrics.addMetric('InvocationErrors', MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
    }
    if (failed) {
      logger().error('batch failed', {
        durationMs: Math.round(durationMs),
        error: failed as Error,
        ...values,
      });
    } else {
      logger().info('batch done', { durationMs: Math.round(durationMs), ...values });
    }
    logger().resetKeys();
  };

  return {
    name: 'nsq-observability',
    before: (request) => {
      startedAt.set(request.event, performance.now());
      if (captureColdStart && options.metrics)
        options.metrics.captureColdStartMetric(request.context?.functionName);
      const event = request.event as Partial<typeof request.event> | undefined;
      logger().appendKeys({
        batchId: event?.batchId,
        subscription: event?.subscription,
        messageCount: Array.isArray(event?.messages) ? event.messages.length : undefined,
      });
    },
    after: (request) => {
      flush(request.event, undefined);
    },
    onError: (request) => {
      flush(request.event, request.error ?? new Error('unknown error'));
    },
  };
}
