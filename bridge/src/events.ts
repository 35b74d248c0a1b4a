/**
 * Typed lifecycle events of the bridge (snake_case, in the style of sqs-consumer). Logging and metrics
 * attach from outside: `bridge.events.on('batch_invoked', ...)`. The engine emits these; it may add
 * events, but the payloads below are the stable surface that metrics and logs rely on.
 */
import { EventEmitter } from 'node:events';
import type { InvokeResult } from './ports.ts';

/**
 * Why the engine requeued a message: a bounded list, so metrics and logs can count requeues by cause.
 * The event's `reason` keeps the human text (an error type and message, the function's reason...).
 */
export const REQUEUE_CAUSES = [
  'draining',
  'toggle stopped',
  'connection closed',
  'internal error',
  'internal error: left unanswered',
  'dead-letter write failed',
  'retry would outlast nsqd --max-msg-timeout',
  'throttled',
  'bisect budget spent',
  /** The claim-check store could not store the body (no attempt spent: the function never saw it). */
  'claim check failed',
  /** The function listed the message in batchItemFailures (its reason, or 'requeued by the function'). */
  'function',
  /** The whole batch failed: function error, malformed response, timeout, transport failure. */
  'invoke failed',
  /** The Invoke was refused before the function ran, and its in-bridge retries are spent. */
  'not executed',
  /**
   * An HTTP endpoint rejected the request signature (401/403: a rotated or mistyped secret): the function
   * did not run, no attempt is spent, and the retry would outlast nsqd --max-msg-timeout.
   */
  'signature rejected',
] as const;
export type RequeueCause = (typeof REQUEUE_CAUSES)[number];

export interface BridgeEvents {
  /** A message arrived from nsqd. */
  message_received: [{ subscription: string; id: string; attempts: number; bytes: number }];
  /**
   * The start-up check of a subscription's function (a DryRun Invoke) ended. `ok: false` means
   * batches will fail until it is fixed (missing function, no permission, unreachable endpoint).
   */
  function_preflight: [
    {
      subscription: string;
      functionName: string;
      ok: boolean;
      durationMs: number;
      errorType?: string;
      message?: string;
    },
  ];
  /** A batch was formed and is about to be invoked. */
  batch_started: [{ subscription: string; batchId: string; size: number; bytes: number }];
  /** An Invoke finished (any outcome). */
  batch_invoked: [{ subscription: string; batchId: string; size: number; result: InvokeResult }];
  /** The function's response did not match the contract; the whole batch is failed. */
  response_malformed: [{ subscription: string; batchId: string; problem: string }];
  /** A 429: the batch is kept (TOUCHed) and retried; concurrencyLimit is the new AIMD limit. */
  throttled: [
    { subscription: string; batchId: string; reason: string; retryInMs: number; concurrencyLimit: number },
  ];
  /** The AIMD concurrency limit changed. */
  concurrency_changed: [{ subscription: string; limit: number; max: number }];
  message_finished: [{ subscription: string; id: string; attempts: number; latencyMs: number }];
  message_requeued: [
    {
      subscription: string;
      id: string;
      attempts: number;
      delayMs: number;
      reason: string;
      /** Set by the engine; absent only from emitters outside it. */
      cause?: RequeueCause;
    },
  ];
  message_dead_lettered: [
    { subscription: string; id: string; attempts: number; reason: string; destination: string },
  ];
  /**
   * A message matched none of the subscription's `filters`: never invoked. `action` is its `onFilteredOut`:
   * FINished, or dead-lettered (reasonKind `filtered`, a `message_dead_lettered` follows once written).
   */
  message_filtered_out: [{ subscription: string; id: string; action: 'finish' | 'deadLetter' }];
  /**
   * A message was older than `maxRecordAgeMs` when received (`at: 'receive'`) or when it would be retried
   * (`at: 'retry'`): never invoked again. `action` is its `onExpired`: dead-lettered (reasonKind `expired`)
   * or dropped (FINished).
   */
  message_expired: [
    {
      subscription: string;
      id: string;
      ageMs: number;
      at: 'receive' | 'retry';
      action: 'deadLetter' | 'drop';
    },
  ];
  /** A body was stored as a claim check (docs/contract.md); its entry carries the pointer. */
  claim_check_stored: [{ subscription: string; id: string; bytes: number; key: string }];
  /** A body could not be stored as a claim check; the message is requeued, no attempt spent. */
  claim_check_failed: [{ subscription: string; ids: readonly string[]; error: Error }];
  /** The idle exit checked a backlog read: quiet for `quietForMs` (0 when busy, with why). */
  idle_checked: [{ quietForMs: number; busy?: string }];
  /** A dead-letter write failed; the messages are requeued instead. */
  dead_letter_failed: [{ subscription: string; ids: readonly string[]; error: Error }];
  message_touched: [{ subscription: string; id: string }];
  /**
   * nsqd redelivered a message (same id, same connection) while its earlier delivery was still being
   * invoked; the earlier delivery's answer applied to the redelivery, so it was not invoked again.
   */
  message_redelivery_absorbed: [
    { subscription: string; id: string; attempts: number; answer: 'finish' | 'requeue' },
  ];
  /** A message is close to nsqd's --max-msg-timeout (TOUCH cannot extend it further). */
  message_near_max_timeout: [{ subscription: string; id: string; remainingMs: number }];
  /** nsqd answered E_FIN_FAILED / E_REQ_FAILED / E_TOUCH_FAILED (late answer: duplicate delivery risk). */
  answer_failed: [{ subscription: string; code: string; message: string }];
  nsqd_connected: [{ subscription: string; address: string }];
  /**
   * An nsqd's IDENTIFY response showed the subscription's config cannot work with it (its max_rdy_count is
   * below maxInFlight): the connection is closed before SUB. At start-up this stops the bridge (main.ts).
   */
  nsqd_refused: [{ subscription: string; address: string; problem: string }];
  nsqd_disconnected: [{ subscription: string; address: string }];
  /**
   * Consumption paused or resumed (toggle stopped with the requeue policy, drain, or `rateLimit`: RDY 0
   * while as many messages wait for a token as the burst plus about a second of the rate).
   */
  paused: [{ subscription: string; reason: 'toggle' | 'drain' | 'rateLimit' }];
  resumed: [{ subscription: string }];
  draining: [{ deadlineMs: number }];
  stopped: [{ answered: number; timedOut: boolean }];
  error: [{ subscription?: string; error: Error }];
}

export class BridgeEventEmitter extends EventEmitter<BridgeEvents> {}
