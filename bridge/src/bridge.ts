/**
 * `createBridge`: one SubscriptionRunner per subscription, one TouchManager for every in-flight
 * message, the toggle poller, and the lifecycle (start, drain, stop). Transport-free: the NSQ side
 * comes from `createSource` (nsqjs by default), Lambda and dead letters from the ports. A subscription
 * whose function is an HTTP endpoint has its own invoker (`invokers`, by subscription name).
 */
import type { BridgeConfig, BridgeSubscription } from '#shared/config/bridge-config';
import { SubscriptionRunner, type SubscriptionStatus } from './engine/subscription-runner.ts';
import { BridgeEventEmitter } from './events.ts';
import { createNsqSource } from './nsq/nsq-source.ts';
import type {
  BatchInvoker,
  ClaimCheckStore,
  Clock,
  DeadLetterStore,
  MessageSource,
  ToggleReader,
  ToggleReading,
} from './ports.ts';
import { systemClock } from './ports.ts';
import { TouchManager } from './touch-manager.ts';

/** The start-up DryRun of each function gives up after this long. */
const PREFLIGHT_TIMEOUT_MS = 10_000;

export type SourceFactory = (
  subscription: BridgeSubscription,
  context: { readonly config: BridgeConfig; readonly events: BridgeEventEmitter },
) => MessageSource;

export interface CreateBridgeOptions {
  readonly config: BridgeConfig;
  /** The invoker of every subscription not in `invokers` (the Lambda invoker). */
  readonly invoker: BatchInvoker;
  /** Per-subscription invokers, by subscription name (the HTTP targets'). Closed with the bridge. */
  readonly invokers?: ReadonlyMap<string, BatchInvoker>;
  readonly deadLetters: DeadLetterStore;
  /** Where claim-checked bodies go (config `claimCheck`). @default - none */
  readonly claimChecks?: ClaimCheckStore;
  /** Reads the remote on/off switch; without it toggles are not polled. */
  readonly toggles?: ToggleReader;
  readonly clock?: Clock;
  readonly events?: BridgeEventEmitter;
  /** @default nsqjs readers (createNsqSource) */
  readonly createSource?: SourceFactory;
  readonly random?: () => number;
}

export interface BridgeStatus {
  readonly running: boolean;
  readonly draining: boolean;
  /** Every subscription has at least one nsqd connection and the bridge is not draining. */
  readonly ready: boolean;
  /** Messages received and not answered yet. */
  readonly inFlight: number;
  readonly subscriptions: readonly SubscriptionStatus[];
}

export interface Bridge {
  readonly events: BridgeEventEmitter;
  readonly status: BridgeStatus;
  start(): void;
  /** Drains with the configured deadline. Idempotent. */
  stop(): Promise<{ timedOut: boolean }>;
  /** RDY 0, requeue what is queued, finish in-flight invocations within `deadlineMs`, answer all, close. Idempotent. */
  drain(deadlineMs: number): Promise<{ timedOut: boolean }>;
}

export function createBridge(options: CreateBridgeOptions): Bridge {
  const { config, invoker, deadLetters, toggles, claimChecks } = options;
  const threshold = config.claimCheck?.thresholdBytes;
  const clock = options.clock ?? systemClock;
  const events = options.events ?? new BridgeEventEmitter();
  // An 'error' event without a listener would throw: keep a default listener.
  if (events.listenerCount('error') === 0) events.on('error', () => {});
  const createSource = options.createSource ?? createNsqSource;
  const minTouchMs = Math.min(...config.subscriptions.map((s) => s.touchIntervalMs));
  const touch = new TouchManager({
    clock,
    events,
    sweepIntervalMs: Math.max(50, Math.min(1_000, Math.floor(minTouchMs / 4))),
  });
  const invokerOf = (subscription: string) => options.invokers?.get(subscription) ?? invoker;
  const runners = config.subscriptions.map(
    (s) =>
      new SubscriptionRunner(s, {
        invoker: invokerOf(s.name),
        deadLetters,
        // Lambda subscriptions only: an HTTP (edge) target has no S3 access to read a pointer with.
        ...(claimChecks &&
          s.target === undefined && {
            claimChecks: {
              store: claimChecks,
              ...(threshold !== undefined && { thresholdBytes: threshold }),
            },
          }),
        events,
        clock,
        touch,
        source: createSource(s, { config, events }),
        maxReqTimeoutMs: config.maxReqTimeoutMs,
        ...(options.random && { random: options.random }),
      }),
  );
  let running = false;
  let draining = false;
  let drainPromise: Promise<{ timedOut: boolean }> | undefined;
  let toggleTimer: NodeJS.Timeout | undefined;

  const pollToggles = async () => {
    if (!toggles || draining) return;
    const polled = runners.filter((r) => r.config.toggle.policy === 'requeue');
    const names = [...new Set(polled.map((r) => r.config.toggleName ?? r.config.functionName))];
    const readings = new Map<string, ToggleReading>();
    await Promise.all(
      names.map(async (name) => {
        try {
          readings.set(name, await toggles.read(name));
        } catch (error) {
          readings.set(name, 'unknown');
          events.emit('error', { error: new Error(`toggle read failed for ${name}`, { cause: error }) });
        }
      }),
    );
    if (draining) return;
    for (const r of polled) {
      try {
        r.applyToggle(readings.get(r.config.toggleName ?? r.config.functionName) ?? 'unknown');
      } catch (error) {
        events.emit('error', { subscription: r.name, error: error as Error });
      }
    }
  };
  /** One DryRun per function at start: fails fast in the logs, and warms the client for the first batch. */
  const preflight = async () => {
    // One check per (invoker, function): only invokers that can check without running anything.
    const byFunction = new Map<BatchInvoker, Map<string, SubscriptionRunner[]>>();
    for (const r of runners) {
      const own = invokerOf(r.name);
      if (!own.preflight) continue;
      const functions = byFunction.get(own) ?? new Map<string, SubscriptionRunner[]>();
      byFunction.set(own, functions);
      const list = functions.get(r.config.functionName) ?? [];
      list.push(r);
      functions.set(r.config.functionName, list);
    }
    const checks = [...byFunction].flatMap(([own, functions]) =>
      [...functions].map(([functionName, subscribers]) => ({ own, functionName, subscribers })),
    );
    await Promise.all(
      checks.map(async ({ own, functionName, subscribers }) => {
        const timeoutMs = Math.min(
          ...subscribers.map((r) => r.config.invocationTimeoutMs),
          PREFLIGHT_TIMEOUT_MS,
        );
        const result = await own.preflight?.(functionName, timeoutMs);
        if (!result) return;
        for (const r of subscribers)
          events.emit('function_preflight', {
            subscription: r.name,
            functionName,
            ...(result.ok
              ? { ok: true, durationMs: result.durationMs }
              : {
                  ok: false,
                  durationMs: result.durationMs,
                  errorType: result.errorType,
                  message: result.message,
                }),
          });
      }),
    );
  };
  const scheduleToggles = () => {
    if (!toggles || draining) return;
    toggleTimer = clock.setTimeout(() => {
      void pollToggles().finally(scheduleToggles);
    }, config.toggles.pollIntervalMs);
    toggleTimer.unref?.();
  };

  return {
    events,
    get status(): BridgeStatus {
      const subscriptions = runners.map((r) => r.status);
      return {
        running,
        draining,
        ready: running && !draining && subscriptions.every((s) => s.connections > 0),
        inFlight: touch.size,
        subscriptions,
      };
    },
    start() {
      if (running || draining) return;
      running = true;
      touch.start();
      // Not awaited: consumption does not wait for it (a slow or failing check only reports).
      void preflight().catch((error: unknown) => events.emit('error', { error: error as Error }));
      // Read the toggles once before consuming, so a stopped function is not fed at start-up.
      void pollToggles().finally(() => {
        if (draining) return;
        for (const r of runners) {
          try {
            r.start();
          } catch (error) {
            events.emit('error', {
              subscription: r.name,
              error: new Error(`subscription ${r.name} could not start`, { cause: error }),
            });
          }
        }
        scheduleToggles();
      });
    },
    drain(deadlineMs: number) {
      drainPromise ??= (async () => {
        draining = true;
        if (toggleTimer) clock.clearTimeout(toggleTimer);
        events.emit('draining', { deadlineMs });
        const deadlineAtMs = clock.now() + deadlineMs;
        const results = await Promise.allSettled(runners.map((r) => r.drain(deadlineAtMs)));
        const timedOut = results.some((r) => r.status === 'rejected' || r.value);
        touch.stop();
        const invokers = new Set([invoker, ...(options.invokers?.values() ?? [])]);
        await Promise.all(
          [...invokers].map(async (i) => {
            try {
              await i.close();
            } catch (error) {
              events.emit('error', { error: error as Error });
            }
          }),
        );
        running = false;
        const answered = runners.reduce((sum, r) => sum + r.answeredCount, 0);
        events.emit('stopped', { answered, timedOut });
        return { timedOut };
      })();
      return drainPromise;
    },
    stop() {
      return this.drain(config.drain.deadlineMs);
    },
  };
}
