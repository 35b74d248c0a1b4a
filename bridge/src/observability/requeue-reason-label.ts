/**
 * The `reason` label of a requeue in metrics: a bounded set, never free text.
 */
import type { RequeueCause } from '../events.ts';

/** Requeue reasons the engine itself gives (a bounded set). */
const ENGINE_REQUEUE_REASONS: ReadonlySet<string> = new Set([
  'draining',
  'toggle stopped',
  'internal error',
  'internal error: left unanswered',
  'dead-letter write failed',
  'retry would outlast nsqd --max-msg-timeout',
  'requeued by the function',
]);
const LABEL_TOKEN = /^[A-Za-z0-9._-]{1,64}$/;

/** Causes whose label is read from the reason text (the error type, the function's token). */
const CAUSES_LABELLED_BY_REASON: ReadonlySet<RequeueCause> = new Set([
  'function',
  'invoke failed',
  'not executed',
]);

/**
 * The `reason` label of a requeue. Never the free text of an error message or of a function's reason:
 * that can hold anything (secrets a function put in its error, ids that multiply the series). It is a
 * reason the engine gives, a single token, the error type before `: `, `notExecuted`, or `other`.
 */
export function requeueReasonLabel(reason: string): string {
  if (ENGINE_REQUEUE_REASONS.has(reason) || LABEL_TOKEN.test(reason)) return reason;
  if (reason.startsWith('not executed: ')) return 'notExecuted';
  const type = /^([A-Za-z0-9._-]{1,64}): /.exec(reason)?.[1];
  return type ?? 'other';
}

/**
 * The label of a requeue event: its typed cause, except for the causes whose detail is an error type
 * or a function's token (labelled as `requeueReasonLabel` says), and events without a cause.
 */
export function requeueLabel(cause: RequeueCause | undefined, reason: string): string {
  return cause === undefined || CAUSES_LABELLED_BY_REASON.has(cause) ? requeueReasonLabel(reason) : cause;
}
