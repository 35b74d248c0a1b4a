/**
 * Where dead letters are read from. The S3 store is the one the CLI reads; the interface keeps the
 * commands independent of it.
 */
import type { DeadLetterRecord } from '#shared/contract/dead-letter';

/** One stored dead letter, known from its key alone (before reading the record). */
export interface DeadLetterRef {
  /** Unique key in the store (the S3 object key). */
  readonly key: string;
  readonly subscription: string;
  readonly deadLetteredAtMs: number;
  /** NSQ message id. */
  readonly id: string;
}

export interface DeadLetterSource {
  /** e.g. `s3://bucket/prefix`. */
  readonly describe: string;
  /** Every stored dead letter, oldest first within a subscription, narrowed by what the key tells. */
  listRefs(filter: {
    subscription?: string;
    sinceMs?: number;
    untilMs?: number;
  }): AsyncIterable<DeadLetterRef>;
  /** Reads and validates one record; throws `MalformedDeadLetterError` when it is not a valid record. */
  read(ref: DeadLetterRef): Promise<DeadLetterRecord>;
  /** Deletes records; resolves with the keys that could not be deleted. */
  delete(refs: readonly DeadLetterRef[]): Promise<{ failed: { key: string; message: string }[] }>;
  /** Releases the store; for a queue, gives back every dead letter not deleted. */
  close(): Promise<void>;
}
