/**
 * The bridge's numbers per subscription, read from its Prometheus `/metrics`
 * (bridge/src/observability/metric-definitions.ts, every series labelled `subscription`).
 */
import { type Sample, sumWhere } from './prometheus-text.ts';

export interface BridgeCounters {
  /** Cumulative: messages FINished after the function succeeded. */
  readonly finished?: number;
  /** Cumulative: failed Invokes (every outcome but ok and throttled) plus malformed responses. */
  readonly errors?: number;
  readonly deadLettered?: number;
  /** Cumulative: messages matching no filter, and messages past maxRecordAgeMs (never invoked). */
  readonly filteredOut?: number;
  readonly expired?: number;
  /** Gauges. */
  readonly concurrencyLimit?: number;
  readonly concurrencyMax?: number;
  readonly inFlight?: number;
  readonly paused?: boolean;
  /** Cumulative: bodies stored as claim checks (sent as pointers). */
  readonly claimChecks?: number;
}

const P = 'nsq_lambda_';

export function bridgeCounters(samples: readonly Sample[], subscription: string): BridgeCounters {
  const sub = { subscription: (v: string | undefined) => v === subscription };
  const failedInvokes = sumWhere(samples, `${P}invocations_total`, {
    ...sub,
    outcome: (v) => v !== 'ok' && v !== 'throttled',
  });
  const malformed = sumWhere(samples, `${P}malformed_responses_total`, sub);
  const errors =
    failedInvokes === undefined && malformed === undefined
      ? undefined
      : (failedInvokes ?? 0) + (malformed ?? 0);
  const paused = sumWhere(samples, `${P}paused`, sub);
  const out: Record<string, number | boolean | undefined> = {
    finished: sumWhere(samples, `${P}messages_finished_total`, sub),
    errors,
    deadLettered: sumWhere(samples, `${P}messages_dead_lettered_total`, sub),
    filteredOut: sumWhere(samples, `${P}messages_filtered_out_total`, sub),
    expired: sumWhere(samples, `${P}messages_expired_total`, sub),
    concurrencyLimit: sumWhere(samples, `${P}concurrency_limit`, sub),
    concurrencyMax: sumWhere(samples, `${P}concurrency_max`, sub),
    inFlight: sumWhere(samples, `${P}messages_in_flight`, sub),
    paused: paused === undefined ? undefined : paused > 0,
    claimChecks: sumWhere(samples, `${P}claim_checks_stored_total`, sub),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as BridgeCounters;
}
