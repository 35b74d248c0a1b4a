/**
 * Delays: the requeue policy (exponential per attempt, jittered, capped at the policy's maxDelayMs and
 * nsqd's --max-req-timeout) and the throttle retry backoff. Every delay is a non-negative integer in
 * ms, because nsqd treats a fractional, negative or NaN REQ timeout as a fatal E_INVALID.
 */
import type { RequeuePolicy } from '#shared/config/subscription';

export type Random = () => number;

/** A whole, non-negative number of ms, at most `maxMs`. NaN becomes 0. */
export function clampDelayMs(delayMs: number, maxMs: number): number {
  if (Number.isNaN(delayMs) || delayMs <= 0) return 0;
  if (!Number.isFinite(delayMs)) return Math.max(0, Math.floor(maxMs));
  return Math.min(Math.floor(delayMs), Math.floor(maxMs));
}

function jittered(delayMs: number, jitter: RequeuePolicy['jitter'], random: Random): number {
  switch (jitter) {
    case 'full':
      return random() * delayMs;
    case 'equal':
      return delayMs / 2 + (random() * delayMs) / 2;
    default:
      return delayMs;
  }
}

/**
 * The REQ delay after the `attempts`-th delivery failed: baseDelayMs × 2^(attempts−1), capped at
 * maxDelayMs, jittered, clamped to maxReqTimeoutMs.
 */
export function requeueDelayMs(
  policy: RequeuePolicy,
  attempts: number,
  maxReqTimeoutMs: number,
  random: Random = Math.random,
): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 40);
  const raw = Math.min(policy.baseDelayMs * 2 ** exponent, policy.maxDelayMs);
  return clampDelayMs(jittered(raw, policy.jitter, random), Math.min(policy.maxDelayMs, maxReqTimeoutMs));
}

export interface RetryBackoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Throttle and not-executed retries inside the bridge: full jitter on 2^retry × base, or the server's retryAfter. */
export function retryDelayMs(
  backoff: RetryBackoff,
  retry: number,
  retryAfterMs: number | undefined,
  random: Random = Math.random,
): number {
  const exp = Math.min(backoff.baseDelayMs * 2 ** Math.min(retry, 30), backoff.maxDelayMs);
  const jitteredMs = exp / 2 + (random() * exp) / 2;
  return clampDelayMs(
    Math.max(jitteredMs, retryAfterMs ?? 0),
    Math.max(backoff.maxDelayMs, retryAfterMs ?? 0),
  );
}
