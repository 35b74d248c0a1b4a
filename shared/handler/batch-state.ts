/**
 * The per-invocation state every middleware and the handler share: which messages are already
 * decided (and by whom), and their decoded bodies. Middlewares never return early; they decide
 * messages here and the handler runs only on the rest. So every middleware's `after` runs on every
 * invocation (metrics flush, dedupe bookkeeping), which avoids middy's early-return pitfalls.
 *
 * Keyed by the event object (a WeakMap), so middlewares and the handler find the same state without
 * any framework support.
 */

import { forEachWithConcurrency } from '#shared/concurrency';
import { type NsqBatchEvent, type NsqEventMessage, nsqBatchEventSchema } from '#shared/contract/batch-event';
import type { NsqBatchResult } from '#shared/contract/batch-result';
import { InvalidBatchEventError } from '#shared/errors';
import { formatZodIssues } from '#shared/zod-issues';
import { toBatchResult } from './batch-result.ts';
import { type BodySpec, readBody, readBodyBytes } from './body.ts';
import { type ClaimCheckReader, resolveClaimCheck } from './claim-check-reader.ts';
import { type NsqMessage, toNsqMessage } from './message.ts';
import { type Outcome, requeue } from './outcome.ts';

/** Who decided a message: the kit's steps, a middleware's name, or the handler. */
export type DecisionSource =
  | 'validation'
  | 'claimCheck'
  | 'toggle'
  | 'rateLimit'
  | 'dedupe'
  | 'handler'
  | 'error'
  | 'deadline'
  | (string & {});

export interface Decision {
  readonly outcome: Outcome;
  readonly by: DecisionSource;
}

const states = new WeakMap<object, NsqBatch>();

export class NsqBatch {
  private readonly decided = new Map<string, Decision>();
  private readonly bodies = new Map<string, unknown>();
  /** Bytes of claim-checked messages, once read (resolveClaimChecks). */
  private readonly claimChecked = new Map<string, Buffer>();
  private bodySpec: BodySpec | undefined;
  private sealedAt: DecisionSource | undefined;
  private readonly counters = new Map<string, number>();

  private constructor(readonly event: NsqBatchEvent) {}

  /** The state of this event, validating it on first use. Throws `InvalidBatchEventError`. */
  static of(event: unknown): NsqBatch {
    if (typeof event !== 'object' || event === null) {
      throw new InvalidBatchEventError([
        `(root): expected an object, got ${event === null ? 'null' : typeof event}`,
      ]);
    }
    const existing = states.get(event);
    if (existing) return existing;
    const parsed = nsqBatchEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new InvalidBatchEventError(formatZodIssues(parsed.error.issues));
    }
    const ids = new Set<string>();
    for (const m of parsed.data.messages) {
      if (ids.has(m.id))
        throw new InvalidBatchEventError([`messages: id ${JSON.stringify(m.id)} appears twice`]);
      ids.add(m.id);
    }
    const state = new NsqBatch(parsed.data);
    states.set(event, state);
    return state;
  }

  /** Forgets the state of this event (the kit calls it when the invocation ends). */
  static release(event: unknown): void {
    if (typeof event === 'object' && event !== null) states.delete(event);
  }

  get messages(): readonly NsqEventMessage[] {
    return this.event.messages;
  }

  /** Records an outcome unless the message is already decided or the batch is sealed. */
  decide(id: string, outcome: Outcome, by: DecisionSource): boolean {
    if (this.sealedAt !== undefined || this.decided.has(id)) return false;
    if (!this.messages.some((m) => m.id === id)) throw new Error(`unknown message id ${JSON.stringify(id)}`);
    this.decided.set(id, { outcome, by });
    return true;
  }

  decision(id: string): Decision | undefined {
    return this.decided.get(id);
  }

  get decisions(): ReadonlyMap<string, Decision> {
    return this.decided;
  }

  /** Messages nobody decided yet. */
  pending(): NsqEventMessage[] {
    return this.messages.filter((m) => !this.decided.has(m.id));
  }

  /** Claim-checked messages (docs/contract.md) nobody decided yet and not read yet. */
  unresolvedClaimChecks(): NsqEventMessage[] {
    return this.pending().filter((m) => m.claimCheck !== undefined && !this.claimChecked.has(m.id));
  }

  /**
   * Reads the claim check of every pending claim-checked message: one GET each, at most `concurrency`
   * at once. A message whose object is gone or does not match is dead-lettered, one whose read failed
   * otherwise is requeued (decided by 'claimCheck', with the reason). Call it before `readBodies`.
   */
  async resolveClaimChecks(reader: ClaimCheckReader, signal?: AbortSignal, concurrency = 8): Promise<void> {
    const todo = this.unresolvedClaimChecks();
    if (todo.length === 0) return;
    await forEachWithConcurrency(
      todo,
      concurrency,
      async (m) => {
        const pointer = m.claimCheck;
        if (pointer === undefined) return;
        const got = await resolveClaimCheck(reader, pointer, signal);
        if (got.ok) this.claimChecked.set(m.id, got.bytes);
        else if (got.outcome === 'deadLetter')
          this.decide(m.id, { kind: 'deadLetter', reason: got.reason }, 'claimCheck');
        else this.decide(m.id, requeue(undefined, got.reason), 'claimCheck');
      },
      signal,
    );
    // Not started before `signal` aborted: a retry can read them.
    for (const m of this.unresolvedClaimChecks())
      this.decide(m.id, requeue(undefined, 'claim check not read before the deadline'), 'claimCheck');
  }

  /**
   * Reads every pending body the declared way; unreadable ones are dead-lettered at once (by
   * 'validation') with the reason. Runs once; later calls with the same spec are no-ops. A
   * claim-checked body is read from what `resolveClaimChecks` fetched; one it did not fetch is
   * dead-lettered (the bridge's dead letter keeps the original bytes).
   */
  readBodies(spec: BodySpec): void {
    if (this.bodySpec !== undefined) {
      if (this.bodySpec !== spec)
        throw new Error('the batch bodies were already read with a different body spec');
      return;
    }
    this.bodySpec = spec;
    for (const m of this.pending()) {
      let result: ReturnType<typeof readBody>;
      if (m.claimCheck === undefined) result = readBody(m, spec);
      else {
        const bytes = this.claimChecked.get(m.id);
        result =
          bytes === undefined
            ? {
                ok: false,
                reason: `claim check s3://${m.claimCheck.bucket}/${m.claimCheck.key} was not resolved (read bodies with nsqHandler or readBatchBodies)`,
              }
            : readBodyBytes(bytes, spec);
      }
      if (result.ok) this.bodies.set(m.id, result.body);
      else this.decide(m.id, { kind: 'deadLetter', reason: result.reason }, 'validation');
    }
  }

  /** Pending messages with their bodies (raw bytes when no body spec was declared). */
  pendingMessages<TBody = unknown>(): NsqMessage<TBody>[] {
    if (this.bodySpec === undefined) this.readBodies('bytes');
    return this.pending().map((m) => toNsqMessage(m, this.bodies.get(m.id) as TBody));
  }

  /**
   * Freezes the decisions: every message still pending gets `fallback` (decided by `by`), and later
   * decisions are ignored (a handler still running after the deadline cannot change the answer).
   */
  seal(by: DecisionSource, fallback: Outcome): void {
    if (this.sealedAt !== undefined) return;
    for (const m of this.pending()) this.decided.set(m.id, { outcome: fallback, by });
    this.sealedAt = by;
  }

  get sealed(): boolean {
    return this.sealedAt !== undefined;
  }

  /** The contract response; undecided messages count as requeued (nothing is lost). */
  result(): NsqBatchResult {
    return toBatchResult(
      this.messages.map(
        (m) => [m.id, this.decided.get(m.id)?.outcome ?? requeue(undefined, 'not processed')] as const,
      ),
    );
  }

  /** Counts a named event (e.g. `ToggleUnknown`), reported as a metric by the observability middleware. */
  count(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  get events(): ReadonlyMap<string, number> {
    return this.counters;
  }

  /** Outcome counts, overall and by decision source. */
  counts(): {
    finish: number;
    requeue: number;
    deadLetter: number;
    bySource: Record<string, Record<Outcome['kind'], number>>;
  } {
    const totals = { finish: 0, requeue: 0, deadLetter: 0 };
    const bySource: Record<string, Record<Outcome['kind'], number>> = {};
    for (const m of this.messages) {
      const d = this.decided.get(m.id);
      const kind = d?.outcome.kind ?? 'requeue';
      const source = d?.by ?? 'none';
      totals[kind]++;
      bySource[source] ??= { finish: 0, requeue: 0, deadLetter: 0 };
      bySource[source][kind]++;
    }
    return { ...totals, bySource };
  }
}
