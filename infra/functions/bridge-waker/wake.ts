/**
 * The scale-to-zero waker (docs/deploy.md, "Scale to zero"): run on a schedule, it reads each of the
 * bridge's subscriptions' channel depth through nsqlookupd and nsqd's /stats (readBacklog, the bridge's
 * own reading: a channel that does not exist yet counts its topic's depth) and, when any is above zero
 * while the bridge's ECS service wants no task, sets the desired count to 1. It never lowers a count
 * (only the idle bridge does), so a scaled-out service is left alone.
 */

import { z } from 'zod';
import { lookupNsqdHttpAddresses, readBacklog } from '#bridge/backlog/backlog-reading';
import type { ServiceCount } from '#shared/clients/ecs-service';

export const wakerConfigSchema = z
  .object({
    lookupdHttpAddresses: z.array(z.string().min(1)).min(1),
    subscriptions: z
      .array(
        z.object({ name: z.string().min(1), topic: z.string().min(1), channel: z.string().min(1) }).strict(),
      )
      .min(1),
    /** Per lookupd and nsqd request. @default 5_000 */
    requestTimeoutMs: z.number().int().min(100).default(5_000),
  })
  .strict();

export type WakerConfig = z.output<typeof wakerConfigSchema>;

export interface WakeResult {
  /** 'woken': desired count set 0 → 1; 'running': messages wait and a task is wanted already; 'idle': nothing waits. */
  readonly action: 'woken' | 'running' | 'idle';
  /** Messages waiting per subscription (channel depth, or topic depth before the channel exists). */
  readonly depth: Readonly<Record<string, number>>;
  readonly errors: readonly string[];
}

export async function wake(config: WakerConfig, service: ServiceCount): Promise<WakeResult> {
  const readings = await Promise.all(
    config.subscriptions.map((s) =>
      readBacklog({
        name: s.name,
        topic: s.topic,
        channel: s.channel,
        nsqdHttpAddresses: () =>
          lookupNsqdHttpAddresses({
            lookupdHttpAddresses: config.lookupdHttpAddresses,
            topic: s.topic,
            timeoutMs: config.requestTimeoutMs,
          }),
      }),
    ),
  );
  const depth = Object.fromEntries(readings.map((r) => [r.subscription, r.depth]));
  const errors = readings.flatMap((r) =>
    r.errors.map((e) => `${e.message}${e.cause instanceof Error ? `: ${e.cause.message}` : ''}`),
  );
  if (!readings.some((r) => r.depth > 0)) return { action: 'idle', depth, errors };
  if ((await service.desiredCount()) > 0) return { action: 'running', depth, errors };
  await service.setDesiredCount(1);
  return { action: 'woken', depth, errors };
}
