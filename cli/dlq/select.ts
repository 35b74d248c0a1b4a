/**
 * Finds the dead letters a filter selects: lists keys, then reads records (a few at a time) only when
 * the filter needs them. Malformed objects are reported, never fatal, never dropped silently.
 */

import { forEachWithConcurrency } from '#shared/concurrency';
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import { MalformedDeadLetterError } from '../errors.ts';
import { type DeadLetterFilter, matchesRecord, matchesRef, needsRecord } from './filter.ts';
import type { DeadLetterRef, DeadLetterSource } from './source.ts';

export interface Selected {
  readonly ref: DeadLetterRef;
  /** Present when it was read (always with `withRecords`). */
  readonly record?: DeadLetterRecord;
}

export interface Selection {
  readonly selected: Selected[];
  readonly malformed: { key: string; message: string }[];
}

export async function selectDeadLetters(
  source: DeadLetterSource,
  filter: DeadLetterFilter,
  options: { withRecords?: boolean; limit?: number; concurrency?: number } = {},
): Promise<Selection> {
  const refs: DeadLetterRef[] = [];
  for await (const ref of source.listRefs({
    ...(filter.subscription !== undefined ? { subscription: filter.subscription } : {}),
    ...(filter.sinceMs !== undefined ? { sinceMs: filter.sinceMs } : {}),
    ...(filter.untilMs !== undefined ? { untilMs: filter.untilMs } : {}),
  })) {
    if (matchesRef(filter, ref)) refs.push(ref);
  }
  refs.sort((a, b) => a.deadLetteredAtMs - b.deadLetteredAtMs || a.key.localeCompare(b.key));
  const limit = options.limit ?? Number.POSITIVE_INFINITY;

  if (!options.withRecords && !needsRecord(filter)) {
    return { selected: refs.slice(0, limit).map((ref) => ({ ref })), malformed: [] };
  }

  const malformed: { key: string; message: string }[] = [];
  const results: (Selected | undefined)[] = new Array(refs.length);
  let matched = 0;
  const enough = new AbortController();
  if (limit <= 0) enough.abort();
  await forEachWithConcurrency(
    refs,
    Math.max(1, options.concurrency ?? 8),
    async (ref, i) => {
      try {
        const record = await source.read(ref);
        if (matchesRecord(filter, record)) {
          results[i] = { ref, record };
          if (++matched >= limit) enough.abort();
        }
      } catch (err) {
        if (!(err instanceof MalformedDeadLetterError)) throw err;
        malformed.push({ key: ref.key, message: err.message });
      }
    },
    enough.signal,
  );
  const selected = results.filter((r): r is Selected => r !== undefined).slice(0, limit);
  return { selected, malformed };
}
