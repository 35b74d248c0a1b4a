/**
 * The `status` table rows: current values from one snapshot, rates from the difference with the one
 * before it. Pure, so it is unit-tested without services.
 */
import { bridgeCounters } from './bridge-metrics.ts';
import { channelId, type Snapshot } from './snapshot.ts';
import type { WatchedSubscription } from './subscriptions.ts';

export interface StatusRow {
  readonly subscription: string;
  readonly topic: string;
  readonly channel: string;
  /** From nsqd; null when no nsqd has the channel (yet) or nsqd was unreachable. */
  readonly depth: number | null;
  readonly inFlight: number | null;
  readonly deferred: number | null;
  readonly consumers: number | null;
  readonly requeuedTotal: number | null;
  readonly timedOutTotal: number | null;
  /** Per second over the sampling window; null without two readings. */
  readonly requeuePerSec: number | null;
  readonly timeoutPerSec: number | null;
  /** From the bridge. */
  readonly finishedPerSec: number | null;
  readonly errorsPerSec: number | null;
  readonly finishedTotal: number | null;
  readonly errorsTotal: number | null;
  /** Messages never invoked: matching no filter, or past maxRecordAgeMs (cumulative). */
  readonly filteredOutTotal: number | null;
  readonly expiredTotal: number | null;
  readonly concurrencyLimit: number | null;
  readonly concurrencyMax: number | null;
  readonly paused: boolean | null;
  /** From the toggle store: started, stopped, or null when not read. */
  readonly toggle: 'started' | 'stopped' | null;
  /** Bodies the bridge stored as claim checks (cumulative); null when the bridge has none configured or was not read. */
  readonly claimChecksTotal: number | null;
}

function rate(cur: number | undefined, prev: number | undefined, seconds: number): number | null {
  if (cur === undefined || prev === undefined || seconds <= 0) return null;
  // A counter that went down means the process restarted: no rate for this window.
  if (cur < prev) return null;
  return (cur - prev) / seconds;
}

export function computeRows(
  subscriptions: readonly WatchedSubscription[],
  cur: Snapshot,
  prev?: Snapshot,
): StatusRow[] {
  const seconds = prev ? (cur.atMs - prev.atMs) / 1000 : 0;
  return subscriptions.map((s) => {
    const id = channelId(s.topic, s.channel);
    const c = cur.channels.get(id);
    const p = prev?.channels.get(id);
    const b = cur.metrics ? bridgeCounters(cur.metrics, s.name) : undefined;
    const pb = prev?.metrics ? bridgeCounters(prev.metrics, s.name) : undefined;
    return {
      subscription: s.name,
      topic: s.topic,
      channel: s.channel,
      depth: c?.depth ?? null,
      inFlight: c?.inFlight ?? null,
      deferred: c?.deferred ?? null,
      consumers: c?.clients ?? null,
      requeuedTotal: c?.requeueCount ?? null,
      timedOutTotal: c?.timeoutCount ?? null,
      requeuePerSec: rate(c?.requeueCount, p?.requeueCount, seconds),
      timeoutPerSec: rate(c?.timeoutCount, p?.timeoutCount, seconds),
      finishedPerSec: rate(b?.finished, pb?.finished, seconds),
      errorsPerSec: rate(b?.errors, pb?.errors, seconds),
      finishedTotal: b?.finished ?? null,
      errorsTotal: b?.errors ?? null,
      filteredOutTotal: b?.filteredOut ?? null,
      expiredTotal: b?.expired ?? null,
      concurrencyLimit: b?.concurrencyLimit ?? null,
      concurrencyMax: b?.concurrencyMax ?? null,
      paused: b?.paused ?? null,
      toggle: cur.toggles?.get(s.toggleName)?.state ?? null,
      claimChecksTotal: b?.claimChecks ?? null,
    };
  });
}
