/**
 * The idle exit (config `idleExit`, docs/bridge.md "Idle exit"): watches every backlog poll with an
 * IdleWatch and, once the bridge has been idle for `afterMs`, lowers the ECS service's desired count to 0
 * (when `idleExit.ecsService` is set) and calls `exit`, which drains and exits 0. A failed ECS call
 * keeps the bridge running (it tries again at the next idle check): exiting while ECS still wants a
 * task would only start a replacement.
 */
import type { ServiceCount } from '#shared/clients/ecs-service';
import type { BacklogReading } from '../backlog/backlog-reading.ts';
import type { BridgeEventEmitter } from '../events.ts';
import { IdleWatch } from './idle-watch.ts';

export interface IdleExitOptions {
  readonly afterMs: number;
  /** Every subscription name: each needs a complete backlog reading to be quiet. */
  readonly subscriptions: readonly string[];
  readonly events: BridgeEventEmitter;
  /** Messages the bridge holds now (received, not answered). */
  readonly held: () => number;
  /** The service to scale to 0 before exiting. */
  readonly service?: ServiceCount;
  readonly now?: () => number;
  readonly exit: (reason: string) => void;
  readonly onError?: (error: Error) => void;
}

export interface IdleExit {
  /** Feed one backlog poll. */
  observe(readings: readonly BacklogReading[]): Promise<void>;
  readonly watch: IdleWatch;
  stop(): void;
}

export function startIdleExit(options: IdleExitOptions): IdleExit {
  const watch = new IdleWatch(options.afterMs, options.subscriptions);
  const now = options.now ?? Date.now;
  let received = 0;
  let done = false;
  const onReceived = () => {
    received++;
  };
  options.events.on('message_received', onReceived);
  return {
    watch,
    async observe(readings) {
      if (done) return;
      const idle = watch.observe({
        atMs: now(),
        held: options.held(),
        received,
        backlog: readings.map((r) => ({
          subscription: r.subscription,
          depth: r.depth,
          inFlight: r.inFlight,
          complete: r.errors.length === 0,
        })),
      });
      const { quietSinceMs, busy } = watch.state;
      options.events.emit('idle_checked', {
        quietForMs: quietSinceMs === undefined ? 0 : now() - quietSinceMs,
        ...(busy !== undefined && { busy }),
      });
      if (!idle) return;
      if (options.service) {
        try {
          await options.service.setDesiredCount(0);
        } catch (error) {
          options.onError?.(error as Error);
          return;
        }
      }
      done = true;
      options.exit(`idle for ${options.afterMs} ms: nothing held, nothing to read`);
    },
    stop() {
      done = true;
      options.events.off('message_received', onReceived);
    },
  };
}
