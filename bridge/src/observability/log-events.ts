/**
 * Logs the bridge's lifecycle events: one structured line per event, carrying the subscription and
 * message or batch ids. Routine per-message events (received, finished, touched) are debug;
 * requeues, pauses and connections are info; anything that risks a duplicate, a delay or a loss is
 * warn or error.
 */
import type { BridgeEventEmitter, BridgeEvents } from '../events.ts';
import { isAuthRejection } from '../http/http-outcome.ts';
import { type InvokeResult, signatureRejectionStatus } from '../ports.ts';
import type { LogFields, Logger, LogLevel } from './logger.ts';

function invokeLevel(result: InvokeResult): LogLevel {
  switch (result.kind) {
    case 'ok':
      return 'debug';
    case 'throttled':
      return 'info';
    default:
      return 'warn';
  }
}

function invokeFields(result: InvokeResult): LogFields {
  switch (result.kind) {
    case 'ok':
      return { outcome: result.kind, durationMs: result.durationMs, requestId: result.requestId };
    case 'functionError':
      return {
        outcome: result.kind,
        errorType: result.errorType,
        errorMessage: result.errorMessage,
        requestId: result.requestId,
        durationMs: result.durationMs,
      };
    case 'throttled':
      return {
        outcome: result.kind,
        reason: result.reason,
        retryAfterMs: result.retryAfterMs,
        durationMs: result.durationMs,
      };
    case 'tooLarge':
      return { outcome: result.kind, errorMessage: result.message, durationMs: result.durationMs };
    default:
      return {
        outcome: result.kind,
        errorType: result.errorType,
        errorMessage: result.message,
        durationMs: result.durationMs,
      };
  }
}

/**
 * The line of a throttle-path retry: a throttle, or an endpoint that rejected the request signature
 * (401/403 take the throttle path so they spend no attempt, but they are not throttles).
 */
export function throttledMessage(reason: string): string {
  const status = signatureRejectionStatus(reason);
  return status === undefined
    ? 'invoke throttled; retrying with backoff'
    : `endpoint rejected the signature (${status}); retrying with backoff, no attempt spent`;
}

/** Subscribes `logger` to the bridge's events; returns a function that unsubscribes. */
export function attachLogging(events: BridgeEventEmitter, logger: Logger): () => void {
  const handlers: Array<[keyof BridgeEvents, (...args: never[]) => void]> = [];
  const on = <E extends keyof BridgeEvents>(event: E, fn: (...args: BridgeEvents[E]) => void) => {
    events.on(event, fn as never);
    handlers.push([event, fn as never]);
  };
  // Routine per-message events are debug: at other levels they get no listener at all.
  const debug = logger.isLevelEnabled('debug');

  on('function_preflight', (e) => {
    if (e.ok) logger.info('function can be invoked (DryRun)', { event: 'function_preflight', ...e });
    else
      logger.error('function cannot be invoked (DryRun failed): its batches will fail until this is fixed', {
        event: 'function_preflight',
        ...e,
      });
  });
  if (debug)
    on('message_received', (e) => logger.debug('message received', { event: 'message_received', ...e }));
  if (debug) on('batch_started', (e) => logger.debug('batch started', { event: 'batch_started', ...e }));
  on('batch_invoked', ({ subscription, batchId, size, result }) => {
    if (isAuthRejection(result)) {
      // Loud: every batch of this subscription will fail the same way until the secrets match again.
      logger.error(
        "HTTP target refused the request (401/403): the handler did not run; check that the endpoint holds this subscription's signing secret",
        { event: 'batch_invoked', subscription, batchId, size, ...invokeFields(result) },
      );
      return;
    }
    const level = invokeLevel(result);
    if (!logger.isLevelEnabled(level)) return;
    logger[level]('batch invoked', {
      event: 'batch_invoked',
      subscription,
      batchId,
      size,
      ...invokeFields(result),
    });
  });
  on('response_malformed', (e) =>
    logger.warn('function response malformed; the whole batch is failed', {
      event: 'response_malformed',
      ...e,
    }),
  );
  on('throttled', (e) => logger.warn(throttledMessage(e.reason), { event: 'throttled', ...e }));
  on('concurrency_changed', (e) =>
    logger.info('concurrency limit changed', { event: 'concurrency_changed', ...e }),
  );
  if (debug)
    on('message_finished', (e) => logger.debug('message finished', { event: 'message_finished', ...e }));
  on('message_requeued', (e) => logger.info('message requeued', { event: 'message_requeued', ...e }));
  on('message_filtered_out', (e) =>
    logger.debug('message filtered out', { event: 'message_filtered_out', ...e }),
  );
  on('message_expired', (e) => logger.warn('message expired', { event: 'message_expired', ...e }));
  on('message_dead_lettered', (e) =>
    logger.warn('message dead-lettered', { event: 'message_dead_lettered', ...e }),
  );
  on('dead_letter_failed', ({ subscription, ids, error }) =>
    logger.error('dead-letter write failed; messages requeued', {
      event: 'dead_letter_failed',
      subscription,
      ids,
      error,
    }),
  );
  on('idle_checked', (e) => logger.debug('idle check', { event: 'idle_checked', ...e }));
  on('claim_check_stored', (e) => logger.debug('claim check stored', { event: 'claim_check_stored', ...e }));
  on('claim_check_failed', ({ subscription, ids, error }) =>
    logger.warn('claim check store failed; messages requeued, no attempt spent', {
      event: 'claim_check_failed',
      subscription,
      ids,
      error,
    }),
  );
  if (debug)
    on('message_touched', (e) => logger.debug('message touched', { event: 'message_touched', ...e }));
  on('message_near_max_timeout', (e) =>
    logger.warn("message near nsqd's --max-msg-timeout; TOUCH cannot extend it further", {
      event: 'message_near_max_timeout',
      ...e,
    }),
  );
  on('answer_failed', (e) =>
    logger.warn('nsqd rejected an answer (late FIN/REQ/TOUCH: the message may be delivered again)', {
      event: 'answer_failed',
      ...e,
    }),
  );
  on('nsqd_connected', (e) => logger.info('nsqd connected', { event: 'nsqd_connected', ...e }));
  on('nsqd_disconnected', (e) => logger.warn('nsqd disconnected', { event: 'nsqd_disconnected', ...e }));
  on('nsqd_refused', (e) =>
    logger.error('nsqd refused: the config does not fit it', { event: 'nsqd_refused', ...e }),
  );
  // A rate limit pauses and resumes as messages wait for tokens: routine, so debug.
  on('paused', (e) =>
    (e.reason === 'rateLimit' ? logger.debug : logger.info).call(logger, 'consumption paused', {
      event: 'paused',
      ...e,
    }),
  );
  on('resumed', (e) => logger.info('consumption resumed', { event: 'resumed', ...e }));
  on('draining', (e) =>
    logger.info('draining: no new messages, finishing in-flight invocations', { event: 'draining', ...e }),
  );
  on('stopped', (e) => logger.info('bridge stopped', { event: 'stopped', ...e }));
  on('error', ({ subscription, error }) =>
    logger.error(error.message, { event: 'error', subscription, error }),
  );

  return () => {
    for (const [event, fn] of handlers) events.off(event, fn as never);
  };
}
