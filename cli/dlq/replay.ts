/**
 * Replays dead letters: republishes each original body, byte-exact, to its topic, at a given rate,
 * one message at a time, journaled so that an interrupted replay resumes without double publishing
 * (see replay-journal.ts for the argument).
 */
import { UncertainReplayError } from '../errors.ts';
import { sleep } from '../lib/io.ts';
import type { ReplayJournal } from './replay-journal.ts';

export interface ReplayItem {
  /** Unique and stable across runs (the store key). */
  readonly key: string;
  readonly topic: string;
  /** Reads the original body (base64-decoded) when it is its turn. */
  load(): Promise<Uint8Array>;
  /**
   * Called once the item is published (in this run or an earlier one): a queue store FINishes the
   * dead letter here. Its failure leaves the dead letter in the store; the journal still prevents a
   * second publish.
   */
  settle?(): Promise<void>;
}

async function settle(item: ReplayItem): Promise<void> {
  try {
    await item.settle?.();
  } catch {
    // see ReplayItem.settle
  }
}

export interface ReplayPublisher {
  publish(topic: string, body: Uint8Array): Promise<void>;
  /** True when a publish error proves nsqd did not take the message (so a retry cannot duplicate it). */
  certainlyNotPublished(err: unknown): boolean;
}

export type UncertainPolicy = 'refuse' | 'skip' | 'republish';

export interface ReplayProgress {
  readonly total: number;
  readonly published: number;
  readonly skipped: number;
  readonly failed: number;
}

export interface ReplayOptions {
  readonly items: readonly ReplayItem[];
  readonly journal: ReplayJournal;
  readonly publisher: ReplayPublisher;
  /** Messages per second. */
  readonly ratePerSec: number;
  readonly uncertain: UncertainPolicy;
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly onProgress?: (p: ReplayProgress) => void;
  /** Stop after this many consecutive publish failures (nsqd down). @default 3 */
  readonly maxConsecutiveFailures?: number;
}

export interface ReplayOutcome {
  readonly total: number;
  /** Published in this run. */
  readonly published: string[];
  /** Already published by an earlier run (journal `done`). */
  readonly alreadyDone: string[];
  /** Uncertain entries from a crashed run that were skipped (`--uncertain skip`). */
  readonly skippedUncertain: string[];
  /** Would be published (dry run). */
  readonly wouldPublish: string[];
  readonly failed: { key: string; message: string }[];
  /** Stopped early by the signal; rerun to resume. */
  readonly interrupted: boolean;
  /** Stopped early after repeated publish failures. */
  readonly aborted: boolean;
}

export async function replay(options: ReplayOptions): Promise<ReplayOutcome> {
  const now = options.now ?? Date.now;
  const { journal, items } = options;
  const maxFailures = options.maxConsecutiveFailures ?? 3;
  const itemKeys = new Set(items.map((i) => i.key));
  const uncertain = journal.uncertain().filter((k) => itemKeys.has(k));
  if (uncertain.length > 0 && options.uncertain === 'refuse' && !options.dryRun) {
    throw new UncertainReplayError(uncertain);
  }

  const out = {
    total: items.length,
    published: [] as string[],
    alreadyDone: [] as string[],
    skippedUncertain: [] as string[],
    wouldPublish: [] as string[],
    failed: [] as { key: string; message: string }[],
    interrupted: false,
    aborted: false,
  };
  const report = () =>
    options.onProgress?.({
      total: out.total,
      published: out.published.length + out.wouldPublish.length,
      skipped: out.alreadyDone.length + out.skippedUncertain.length,
      failed: out.failed.length,
    });

  const intervalMs = 1000 / options.ratePerSec;
  let nextAtMs = now();
  let consecutiveFailures = 0;
  report();
  for (const item of items) {
    if (options.signal?.aborted) {
      out.interrupted = true;
      break;
    }
    const state = journal.state(item.key);
    if (state === 'done') {
      if (!options.dryRun) await settle(item);
      out.alreadyDone.push(item.key);
      report();
      continue;
    }
    if (state === 'begin' && options.uncertain === 'skip' && !options.dryRun) {
      journal.done(item.key, now());
      await settle(item);
      out.skippedUncertain.push(item.key);
      report();
      continue;
    }
    if (options.dryRun) {
      out.wouldPublish.push(item.key);
      report();
      continue;
    }
    await sleep(nextAtMs - now(), options.signal);
    if (options.signal?.aborted) {
      out.interrupted = true;
      break;
    }
    let body: Uint8Array;
    try {
      body = await item.load();
    } catch (err) {
      out.failed.push({ key: item.key, message: err instanceof Error ? err.message : String(err) });
      report();
      continue;
    }
    journal.begin(item.key, now());
    try {
      await options.publisher.publish(item.topic, body);
    } catch (err) {
      // nsqd answered an error, or the connection was refused: not published, a rerun retries it.
      // Anything else (a timeout, a reset mid-request) leaves the entry uncertain for the operator.
      out.failed.push({ key: item.key, message: err instanceof Error ? err.message : String(err) });
      if (options.publisher.certainlyNotPublished(err)) journal.abandon(item.key, now());
      report();
      consecutiveFailures++;
      if (consecutiveFailures >= maxFailures) {
        out.aborted = true;
        break;
      }
      continue;
    }
    journal.done(item.key, now());
    await settle(item);
    consecutiveFailures = 0;
    out.published.push(item.key);
    nextAtMs = Math.max(nextAtMs + intervalMs, now() - intervalMs);
    report();
  }
  return out;
}
