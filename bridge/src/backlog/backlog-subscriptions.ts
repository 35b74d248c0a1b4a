/**
 * Which nsqd /stats each subscription's backlog is read from: the nsqd that nsqlookupd lists for the
 * topic (re-resolved on every poll), or the configured `backlog.nsqdHttpAddresses` when the
 * subscription uses direct TCP addresses (nsqd's HTTP address cannot be derived from its TCP address).
 */
import type { BridgeConfig } from '#shared/config/bridge-config';
import { type BacklogSubscription, lookupNsqdHttpAddresses } from './backlog-reading.ts';

export interface BacklogPlan {
  readonly subscriptions: readonly BacklogSubscription[];
  /** Subscriptions whose backlog cannot be read, with why. */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

export function backlogSubscriptions(config: BridgeConfig): BacklogPlan {
  const subscriptions: BacklogSubscription[] = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  if (config.backlog.intervalMs === 0) return { subscriptions, skipped };
  for (const s of config.subscriptions) {
    const base = { name: s.name, topic: s.topic, channel: s.channelName };
    if (s.lookupdHttpAddresses.length > 0) {
      const lookupdHttpAddresses = s.lookupdHttpAddresses;
      subscriptions.push({
        ...base,
        nsqdHttpAddresses: () =>
          lookupNsqdHttpAddresses({
            lookupdHttpAddresses,
            topic: s.topic,
            timeoutMs: config.lookupdTimeoutMs,
          }),
      });
    } else if (config.backlog.nsqdHttpAddresses.length > 0) {
      subscriptions.push({ ...base, nsqdHttpAddresses: config.backlog.nsqdHttpAddresses });
    } else {
      skipped.push({
        name: s.name,
        reason:
          'direct nsqd TCP addresses and no backlog.nsqdHttpAddresses: its backlog metric is not published',
      });
    }
  }
  return { subscriptions, skipped };
}
