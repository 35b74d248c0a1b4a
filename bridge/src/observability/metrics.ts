/**
 * The bridge's metrics, fed from its typed lifecycle events (the engine knows nothing about them):
 *
 *   const registry = new MetricsRegistry();
 *   const detach = attachMetrics(bridge.events, registry);
 *   startHttpServer({ registry, ... });          // Prometheus at /metrics
 *   startEmfEmitter({ registry });               // CloudWatch EMF on stdout
 *
 * Every metric is labelled by `subscription`. Label values that come from outside (throttle reasons,
 * function error types, requeue reasons) are bounded by the registry's series cap; requeue reasons are
 * reduced to a label first (requeue-reason-label.ts), so no free text reaches /metrics or EMF. The
 * metrics themselves (names, help, buckets, EMF names) are in metric-definitions.ts.
 */
import type { BridgeEventEmitter, BridgeEvents } from '../events.ts';
import { HTTP_FORBIDDEN, isAuthRejection } from '../http/http-outcome.ts';
import { createBridgeMetrics } from './metric-definitions.ts';
import type { MetricsRegistry } from './metrics-registry.ts';
import { requeueLabel } from './requeue-reason-label.ts';

/** What the in-flight gauge reads at each collection: the engine's own count per subscription. */
export interface MetricsSources {
  readonly subscriptions?: () => ReadonlyArray<{ readonly name: string; readonly inFlight: number }>;
}

/**
 * Subscribes the metrics to the bridge's events. Returns a function that unsubscribes.
 * The in-flight gauge is read from the engine when metrics are collected (`sources.subscriptions`,
 * e.g. the bridge's status), not kept per message: it cannot drift, and costs nothing per message.
 */
export function attachMetrics(
  events: BridgeEventEmitter,
  registry: MetricsRegistry,
  sources: MetricsSources = {},
): () => void {
  const m = createBridgeMetrics(registry);
  const connections = new Map<string, Set<string>>();
  const setOf = (map: Map<string, Set<string>>, key: string) => {
    let s = map.get(key);
    if (!s) {
      s = new Set();
      map.set(key, s);
    }
    return s;
  };
  // The per-message metrics of each subscription, bound once (no label lookup per message).
  const perMessage = new Map<string, ReturnType<typeof bindPerMessage>>();
  const bindPerMessage = (subscription: string) => ({
    received: m.received.bind({ subscription }),
    receivedBytes: m.receivedBytes.bind({ subscription }),
    finished: m.finished.bind({ subscription }),
    latency: m.latency.bind({ subscription }),
  });
  const of = (subscription: string) => {
    let bound = perMessage.get(subscription);
    if (!bound) {
      bound = bindPerMessage(subscription);
      perMessage.set(subscription, bound);
    }
    return bound;
  };
  let attached = true;
  const subscriptions = sources.subscriptions;
  if (subscriptions)
    registry.onCollect(() => {
      if (!attached) return;
      for (const s of subscriptions()) m.inFlight.set({ subscription: s.name }, s.inFlight);
    });

  const handlers: { [E in keyof BridgeEvents]?: (...args: never[]) => void } = {};
  const on = <E extends keyof BridgeEvents>(event: E, fn: (...args: BridgeEvents[E]) => void) => {
    events.on(event, fn as never);
    handlers[event] = fn as never;
  };

  on('message_received', ({ subscription, bytes }) => {
    const bound = of(subscription);
    bound.received.inc();
    bound.receivedBytes.inc(bytes);
  });
  on('batch_started', ({ subscription, size, bytes }) => {
    m.batchSize.observe({ subscription }, size);
    m.batchBytes.observe({ subscription }, bytes);
  });
  on('batch_invoked', ({ subscription, result }) => {
    m.invocations.inc({ subscription, outcome: result.kind });
    m.invocationDuration.observe({ subscription, outcome: result.kind }, result.durationMs / 1_000);
    if (result.kind === 'functionError') m.functionErrors.inc({ subscription, error_type: result.errorType });
    if (isAuthRejection(result))
      m.authRejections.inc({ subscription, status: result.errorType === HTTP_FORBIDDEN ? '403' : '401' });
  });
  on('response_malformed', ({ subscription }) => m.malformed.inc({ subscription }));
  on('throttled', ({ subscription, reason, concurrencyLimit }) => {
    m.throttles.inc({ subscription, reason });
    m.concurrencyLimit.set({ subscription }, concurrencyLimit);
  });
  on('concurrency_changed', ({ subscription, limit, max }) => {
    m.concurrencyLimit.set({ subscription }, limit);
    m.concurrencyMax.set({ subscription }, max);
  });
  on('message_finished', ({ subscription, latencyMs }) => {
    const bound = of(subscription);
    bound.finished.inc();
    bound.latency.observe(latencyMs / 1_000);
  });
  on('message_requeued', ({ subscription, reason, cause }) =>
    m.requeued.inc({ subscription, reason: requeueLabel(cause, reason) }),
  );
  on('message_dead_lettered', ({ subscription, reason }) => m.deadLettered.inc({ subscription, reason }));
  on('message_filtered_out', ({ subscription, action }) => m.filteredOut.inc({ subscription, action }));
  on('message_expired', ({ subscription, action }) => m.expired.inc({ subscription, action }));
  on('dead_letter_failed', ({ subscription, ids }) => m.deadLetterFailures.inc({ subscription }, ids.length));
  on('claim_check_stored', ({ subscription }) => m.claimChecksStored.inc({ subscription }));
  on('claim_check_failed', ({ subscription, ids }) => m.claimCheckFailures.inc({ subscription }, ids.length));
  on('message_touched', ({ subscription }) => m.touches.inc({ subscription }));
  on('message_near_max_timeout', ({ subscription }) => m.nearMaxTimeout.inc({ subscription }));
  on('answer_failed', ({ subscription, code }) => m.answerFailures.inc({ subscription, code }));
  on('nsqd_connected', ({ subscription, address }) => {
    const s = setOf(connections, subscription);
    s.add(address);
    m.nsqdConnections.set({ subscription }, s.size);
  });
  on('nsqd_disconnected', ({ subscription, address }) => {
    const s = setOf(connections, subscription);
    s.delete(address);
    m.nsqdConnections.set({ subscription }, s.size);
  });
  on('paused', ({ subscription }) => m.paused.set({ subscription }, 1));
  on('resumed', ({ subscription }) => m.paused.set({ subscription }, 0));
  on('draining', () => m.draining.set({}, 1));
  on('idle_checked', ({ quietForMs }) => m.idleQuiet.set({}, quietForMs / 1000));
  on('error', ({ subscription }) => m.errors.inc({ subscription: subscription ?? '' }));

  return () => {
    attached = false;
    for (const [event, fn] of Object.entries(handlers)) events.off(event as never, fn as never);
  };
}
