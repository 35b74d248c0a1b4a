/**
 * Where the `dlq` commands read dead letters (S3, or the NSQ dead-letter topic), their shared flags and warnings.
 */
import type { FilterFlags } from '../dlq/filter.ts';
import { NsqTopicDeadLetterSource } from '../dlq/nsq-topic-source.ts';
import { S3DeadLetterSource } from '../dlq/s3-source.ts';
import type { DeadLetterSource } from '../dlq/source.ts';
import { type CliIo, println } from '../lib/io.ts';
import { createS3Client, DEFAULT_NSQD_TCP, ENV, nsqdHttpAddress, s3Location } from '../lib/settings.ts';
import { parseTimeoutMs } from '../lib/time.ts';

export interface StoreFlags {
  bucket?: string;
  prefix?: string;
  s3Endpoint?: string;
  fromTopic?: string;
  dlqChannel?: string;
  nsqdTcp?: string;
  nsqdHttp?: string;
  /** Per S3 request, as a duration (`--timeout 10s`). */
  timeout?: string;
}

export const DEFAULT_DLQ_CHANNEL = 'nsq-lambda-cli';

export type CommonFlags = StoreFlags & FilterFlags & { json?: boolean };

/** The dead-letter topic when the NSQ store is chosen: `--from-topic`, or its env without a bucket. */
export function deadLetterTopic(io: CliIo, flags: StoreFlags): string | undefined {
  if (flags.fromTopic) return flags.fromTopic;
  if (flags.bucket || io.env[ENV.bucket]) return undefined;
  return io.env[ENV.deadLetterTopic] || undefined;
}

export async function openSource(io: CliIo, flags: StoreFlags): Promise<DeadLetterSource> {
  const topic = deadLetterTopic(io, flags);
  if (topic) {
    return NsqTopicDeadLetterSource.open({
      topic,
      channel: flags.dlqChannel ?? DEFAULT_DLQ_CHANNEL,
      nsqdTcpAddress: flags.nsqdTcp ?? io.env[ENV.nsqdTcp] ?? DEFAULT_NSQD_TCP,
      nsqdHttpAddress: nsqdHttpAddress(flags.nsqdHttp, io.env),
    });
  }
  const location = s3Location(
    {
      ...flags,
      ...(flags.timeout !== undefined && { timeoutMs: parseTimeoutMs(flags.timeout, '--timeout') }),
    },
    io.env,
  );
  return new S3DeadLetterSource(createS3Client(location, io.env), location.bucket, location.prefix);
}

/** A queue store takes at most 2,500 dead letters per run. */
export function noteRemaining(io: CliIo, source: DeadLetterSource): void {
  if (source instanceof NsqTopicDeadLetterSource && source.remaining > 0) {
    println(
      io.stderr,
      `note: ${source.remaining} more dead letter(s) wait on ${source.describe}; rerun for them`,
    );
  }
}

export function warnMalformed(io: CliIo, malformed: readonly { key: string; message: string }[]): void {
  for (const m of malformed) println(io.stderr, `warning: skipped malformed object ${m.message}`);
}
