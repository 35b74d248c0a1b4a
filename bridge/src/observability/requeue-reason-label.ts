/**
 * The `reason` label of a requeue in metrics: a bounded set, never free text.
 */

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
