/**
 * Which dead letters a command acts on: by handler, subscription, time and reason.
 */
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import { deadLetterReasonKindSchema } from '#shared/contract/dead-letter';
import { badInput } from '../errors.ts';
import { parseTimeArg } from '../lib/time.ts';
import type { DeadLetterRef } from './source.ts';

export type ReasonKind = DeadLetterRecord['reasonKind'];

export interface DeadLetterFilter {
  /** The function the message was for (`functionName`). */
  readonly handler?: string;
  readonly subscription?: string;
  readonly topic?: string;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly reasonKinds?: readonly ReasonKind[];
  /** Case-insensitive substring of the reason or the last error. */
  readonly reasonContains?: string;
}

export interface FilterFlags {
  handler?: string;
  subscription?: string;
  topic?: string;
  since?: string;
  until?: string;
  reason?: string;
  kind?: string;
}

export function filterFromFlags(flags: FilterFlags, nowMs: number): DeadLetterFilter {
  const kinds = flags.kind
    ?.split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const valid = deadLetterReasonKindSchema.options as readonly string[];
  const unknown = kinds?.filter((k) => !valid.includes(k)) ?? [];
  if (unknown.length > 0) {
    throw badInput(`--kind: unknown reason kind ${unknown.join(', ')}; use ${valid.join(', ')}`);
  }
  const sinceMs = flags.since === undefined ? undefined : parseTimeArg(flags.since, nowMs, '--since');
  const untilMs = flags.until === undefined ? undefined : parseTimeArg(flags.until, nowMs, '--until');
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    throw badInput('--since is after --until');
  }
  return {
    ...(flags.handler ? { handler: flags.handler } : {}),
    ...(flags.subscription ? { subscription: flags.subscription } : {}),
    ...(flags.topic ? { topic: flags.topic } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    ...(kinds && kinds.length > 0 ? { reasonKinds: kinds as ReasonKind[] } : {}),
    ...(flags.reason ? { reasonContains: flags.reason } : {}),
  };
}

/** Whether the filter needs the record itself, or the key alone decides. */
export function needsRecord(filter: DeadLetterFilter): boolean {
  return (
    filter.handler !== undefined ||
    filter.topic !== undefined ||
    filter.reasonKinds !== undefined ||
    filter.reasonContains !== undefined
  );
}

export function matchesRef(filter: DeadLetterFilter, ref: DeadLetterRef): boolean {
  if (filter.subscription !== undefined && ref.subscription !== filter.subscription) return false;
  if (filter.sinceMs !== undefined && ref.deadLetteredAtMs < filter.sinceMs) return false;
  if (filter.untilMs !== undefined && ref.deadLetteredAtMs > filter.untilMs) return false;
  return true;
}

export function matchesRecord(filter: DeadLetterFilter, record: DeadLetterRecord): boolean {
  if (filter.handler !== undefined && record.functionName !== filter.handler) return false;
  if (filter.subscription !== undefined && record.subscription !== filter.subscription) return false;
  if (filter.topic !== undefined && record.topic !== filter.topic) return false;
  if (filter.sinceMs !== undefined && record.deadLetteredAtMs < filter.sinceMs) return false;
  if (filter.untilMs !== undefined && record.deadLetteredAtMs > filter.untilMs) return false;
  if (filter.reasonKinds !== undefined && !filter.reasonKinds.includes(record.reasonKind)) return false;
  if (filter.reasonContains !== undefined) {
    const needle = filter.reasonContains.toLowerCase();
    const hay = `${record.reason}\n${record.lastError?.type ?? ''}\n${record.lastError?.message ?? ''}`;
    if (!hay.toLowerCase().includes(needle)) return false;
  }
  return true;
}
