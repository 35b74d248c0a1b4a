/**
 * The alternative DeadLetterStore: each dead letter is published as one JSON message to an NSQ topic
 * through nsqd's HTTP API (binary `/mpub`), and `write` resolves once nsqd answered OK for all of
 * them. With several nsqd addresses, a chunk that fails on one is retried on the next.
 */
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import { NsqdHttpClient } from '#shared/nsq/nsqd-http';
import { type DeadLetterFailure, DeadLetterWriteError } from '../errors.ts';
import type { DeadLetterStore } from '../ports.ts';

/** nsqd's --max-msg-size default. */
export const NSQD_MAX_MSG_BYTES = 1_048_576;
/** Below nsqd's --max-body-size default (5 MiB), leaving room for the mpub framing. */
export const DEFAULT_MAX_REQUEST_BYTES = 4 * 1_048_576;

export interface NsqTopicDeadLetterStoreOptions {
  readonly topic: string;
  /** nsqd HTTP addresses (`host:port` or URL), tried in order. */
  readonly nsqdHttpAddresses: readonly string[];
  /** @default 5_000 */
  readonly requestTimeoutMs?: number;
  /** nsqd's --max-msg-size: a larger dead letter fails on its own with a clear error. @default 1_048_576 */
  readonly maxMessageBytes?: number;
  /** Bytes per /mpub request. @default 4 MiB */
  readonly maxRequestBytes?: number;
}

export function createNsqTopicDeadLetterStore(options: NsqTopicDeadLetterStoreOptions): DeadLetterStore {
  if (options.nsqdHttpAddresses.length === 0) throw new TypeError('nsqdHttpAddresses must not be empty');
  const clients = options.nsqdHttpAddresses.map(
    (a) => new NsqdHttpClient(a, { requestTimeoutMs: options.requestTimeoutMs ?? 5_000 }),
  );
  const maxMessageBytes = options.maxMessageBytes ?? NSQD_MAX_MSG_BYTES;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const describe = `nsq://${options.topic}`;

  async function publish(chunk: readonly Buffer[]): Promise<void> {
    const errors: Error[] = [];
    for (const client of clients) {
      try {
        await client.publishMany(options.topic, chunk);
        return;
      } catch (err) {
        errors.push(err as Error);
      }
    }
    throw new Error(
      `publishing ${chunk.length} dead letter${chunk.length === 1 ? '' : 's'} to topic "${options.topic}" failed on every nsqd: ${errors.map((e) => e.message).join('; ')}`,
      { cause: errors.length === 1 ? errors[0] : new AggregateError(errors) },
    );
  }

  return {
    describe,
    async write(records: readonly DeadLetterRecord[]) {
      const failures: DeadLetterFailure[] = [];
      const chunks: { ids: string[]; bodies: Buffer[] }[] = [];
      let current = { ids: [] as string[], bodies: [] as Buffer[], bytes: 0 };
      for (const record of records) {
        const body = Buffer.from(JSON.stringify(record));
        if (body.byteLength > maxMessageBytes) {
          failures.push({
            id: record.id,
            error: new Error(
              `dead letter ${record.id} is ${body.byteLength} bytes, above nsqd's max message size ${maxMessageBytes}; use the S3 dead-letter store for large messages`,
            ),
          });
          continue;
        }
        if (current.bodies.length > 0 && current.bytes + body.byteLength + 4 > maxRequestBytes) {
          chunks.push(current);
          current = { ids: [], bodies: [], bytes: 0 };
        }
        current.ids.push(record.id);
        current.bodies.push(body);
        current.bytes += body.byteLength + 4;
      }
      if (current.bodies.length > 0) chunks.push(current);
      for (const chunk of chunks) {
        try {
          await publish(chunk.bodies);
        } catch (err) {
          for (const id of chunk.ids) failures.push({ id, error: err as Error });
        }
      }
      if (failures.length > 0) throw new DeadLetterWriteError(describe, failures);
    },
  };
}
