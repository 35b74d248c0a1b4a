/**
 * The messages waiting for a batch, and the batch forming at their head: it flushes at maxMessages,
 * at maxBytes (exact encoded size) or maxWaitMs after its oldest message (one flush timer). A batch
 * never holds two deliveries with the same id, nor an id that a running batch holds ("busy").
 */
import type { TrackedMessage } from '../delivery.ts';
import type { Clock } from '../ports.ts';

export interface BatchQueueConfig {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly maxWaitMs: number;
  /** Size of an event with no messages (see PayloadBuilder.emptyEventBytes). */
  readonly emptyEventBytes: number;
}

/** What the head of the queue allows now. */
export type NextBatch =
  | { readonly kind: 'empty' }
  | { readonly kind: 'wait'; readonly untilMs: number }
  | { readonly kind: 'ready'; readonly batch: TrackedMessage[] };

interface FormingBatch {
  readonly batch: TrackedMessage[];
  readonly ids: Set<string>;
  /** Encoded size of the batch event so far. */
  bytes: number;
  full: boolean;
  oldestAtMs: number;
  /** Queue index up to which messages were considered. */
  scanned: number;
}

export class BatchQueue {
  readonly #queue: TrackedMessage[] = [];
  /** How many queued messages carry each id, so a finished message checks for a queued twin in O(1). */
  readonly #queuedIds = new Map<string, number>();
  /** Ids in a batch being invoked (or waiting out a throttle): never batch a second delivery of them. */
  readonly #busyIds = new Map<string, number>();
  /**
   * The batch forming at the head of the queue, extended as messages arrive so that a delivery costs
   * O(1) while a batch fills (a full scan per delivery would be O(n²) in the batch size). Dropped
   * whenever the queue loses a message or an id stops being busy; rebuilt from the queue's start then.
   */
  #forming: FormingBatch | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #flushAtMs = Number.POSITIVE_INFINITY;

  /** @param onFlush called when maxWaitMs of the forming batch passed (the runner pumps). */
  constructor(
    private readonly config: BatchQueueConfig,
    private readonly clock: Clock,
    private readonly onFlush: () => void,
  ) {}

  get length(): number {
    return this.#queue.length;
  }

  push(m: TrackedMessage): void {
    this.#queue.push(m);
    this.#queuedIds.set(m.id, (this.#queuedIds.get(m.id) ?? 0) + 1);
  }

  /**
   * The batch to send now, or how long to wait for one. The clock is read only for a batch that is not
   * full (a full one goes at once): `nowMs` when given, else the queue's clock.
   */
  next(nowMs?: number): NextBatch {
    for (;;) {
      const forming = this.#formingBatch();
      if (forming.batch.length === 0) return { kind: 'empty' };
      const untilMs = forming.oldestAtMs + this.config.maxWaitMs;
      if (!forming.full && untilMs > (nowMs ?? this.clock.now())) return { kind: 'wait', untilMs };
      // A message may have been answered while it waited (nothing else changes a queued message).
      if (!forming.batch.some((m) => m.answered)) return { kind: 'ready', batch: forming.batch };
      this.#forming = undefined;
    }
  }

  /** Takes a batch returned by `next` off the queue (one pass; usually it is the head) and marks its ids busy. */
  take(batch: readonly TrackedMessage[]): void {
    this.#forming = undefined;
    const queue = this.#queue;
    let prefix = 0;
    while (prefix < batch.length && queue[prefix] === batch[prefix]) prefix++;
    if (prefix === batch.length) {
      queue.splice(0, prefix);
    } else {
      const taken = new Set(batch);
      let kept = 0;
      for (const m of queue) {
        if (!taken.has(m)) queue[kept++] = m;
      }
      queue.length = kept;
    }
    for (const m of batch) {
      this.#unqueued(m);
      this.#busyIds.set(m.id, (this.#busyIds.get(m.id) ?? 0) + 1);
    }
  }

  /** The batch's run ended: its ids are free again (a queued twin may join a batch now). */
  release(batch: readonly TrackedMessage[]): void {
    for (const m of batch) {
      const n = (this.#busyIds.get(m.id) ?? 1) - 1;
      if (n > 0) {
        this.#busyIds.set(m.id, n);
        continue;
      }
      this.#busyIds.delete(m.id);
      // A queued twin skipped by the forming batch can join a batch now.
      if (this.#queuedIds.has(m.id)) this.#forming = undefined;
    }
  }

  /** Empties the queue and returns what it held. */
  takeAll(): TrackedMessage[] {
    this.#queuedIds.clear();
    this.#forming = undefined;
    return this.#queue.splice(0);
  }

  /** Removes and returns the queued messages of a connection (last first). */
  takeConnection(connectionId: string): TrackedMessage[] {
    return this.#remove((q) => q.handle.connectionId === connectionId);
  }

  /**
   * Removes and returns the queued redeliveries of `m` (same id, same connection; last first): nsqd
   * timed `m` out and redelivered it while it was invoking, so `m`'s answer applies to them too.
   */
  takeTwins(m: TrackedMessage): TrackedMessage[] {
    // The common case: no redelivery of this id waits in the queue.
    if (!this.#queuedIds.has(m.id)) return [];
    return this.#remove((q) => q !== m && q.id === m.id && q.handle.connectionId === m.handle.connectionId);
  }

  /** Arms the flush timer for `atMs` unless it fires sooner already. */
  scheduleFlush(atMs: number): void {
    if (this.#flushTimer && this.#flushAtMs <= atMs) return;
    this.clearFlush();
    this.#flushAtMs = atMs;
    this.#flushTimer = this.clock.setTimeout(
      () => {
        this.#flushTimer = undefined;
        this.#flushAtMs = Number.POSITIVE_INFINITY;
        this.onFlush();
      },
      Math.max(0, atMs - this.clock.now()),
    );
  }

  clearFlush(): void {
    if (this.#flushTimer) this.clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#flushAtMs = Number.POSITIVE_INFINITY;
  }

  #remove(match: (q: TrackedMessage) => boolean): TrackedMessage[] {
    const removed: TrackedMessage[] = [];
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const q = this.#queue[i];
      if (!q || !match(q)) continue;
      this.#queue.splice(i, 1);
      this.#forming = undefined;
      this.#unqueued(q);
      removed.push(q);
    }
    return removed;
  }

  #unqueued(m: TrackedMessage): void {
    const n = this.#queuedIds.get(m.id) ?? 0;
    if (n <= 1) this.#queuedIds.delete(m.id);
    else this.#queuedIds.set(m.id, n - 1);
  }

  #formingBatch(): FormingBatch {
    let f = this.#forming;
    if (!f) {
      // Sub-batch ids are longer than a UUID (bisect suffixes); emptyEventBytes keeps room for them.
      f = {
        batch: [],
        ids: new Set(),
        bytes: this.config.emptyEventBytes,
        full: false,
        oldestAtMs: Number.POSITIVE_INFINITY,
        scanned: 0,
      };
      this.#forming = f;
    }
    const queue = this.#queue;
    while (!f.full && f.scanned < queue.length) {
      const m = queue[f.scanned++] as TrackedMessage;
      if (m.answered || f.ids.has(m.id) || this.#busyIds.has(m.id)) continue;
      const add = m.encodedBytes + (f.batch.length > 0 ? 1 : 0);
      if (f.batch.length > 0 && f.bytes + add > this.config.maxBytes) {
        f.full = true;
        break;
      }
      f.batch.push(m);
      f.ids.add(m.id);
      f.bytes += add;
      if (m.receivedAtMs < f.oldestAtMs) f.oldestAtMs = m.receivedAtMs;
      if (f.batch.length >= this.config.maxMessages || f.bytes >= this.config.maxBytes) f.full = true;
    }
    return f;
  }
}
