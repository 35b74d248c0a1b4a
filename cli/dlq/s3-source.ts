/**
 * Dead letters in S3 (or MinIO): one JSON object per record at
 * `<prefix>/<subscription>/<yyyy>/<mm>/<dd>/<deadLetteredAtMs>-<id>.json` (shared/contract/dead-letter.ts).
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  NoSuchKey,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type DeadLetterRecord, deadLetterRecordSchema } from '#shared/contract/dead-letter';
import { formatZodIssues } from '#shared/zod-issues';
import {
  badInput,
  errorChain,
  isNetworkError,
  isTimeout,
  MalformedDeadLetterError,
  unavailable,
} from '../errors.ts';
import type { DeadLetterRef, DeadLetterSource } from './source.ts';

const KEY_TAIL = /^([^/]+)\/\d{4}\/\d{2}\/\d{2}\/(\d+)-([^/]+)\.json$/;

/** Parses a dead-letter key under `prefix`; undefined for keys that are not dead letters. */
export function parseDeadLetterKey(prefix: string, key: string): DeadLetterRef | undefined {
  // As deadLetterKey builds it: `<prefix>/`, even for an empty prefix.
  const base = `${prefix.replace(/\/+$/, '')}/`;
  if (!key.startsWith(base)) return undefined;
  const m = KEY_TAIL.exec(key.slice(base.length));
  if (!m) return undefined;
  return { key, subscription: m[1] as string, deadLetteredAtMs: Number(m[2]), id: m[3] as string };
}

/** Maps S3 failures to one-line CLI errors. */
export function s3Failure(err: unknown, what: string, location: string): Error {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
  if (isTimeout(err)) {
    return unavailable(
      `S3 at ${location} did not answer (${what}): ${errorChain(err)}; check the endpoint, or raise --timeout`,
      err,
    );
  }
  if (isNetworkError(err)) {
    return unavailable(
      `S3 at ${location} is unreachable (${what}); check --s3-endpoint / S3_ENDPOINT and that the server runs`,
      err,
    );
  }
  if (e.name === 'CredentialsProviderError') {
    return unavailable(
      `no AWS credentials for ${location}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE`,
      err,
    );
  }
  if (e.name === 'NoSuchBucket') return badInput(`bucket of ${location} does not exist (${what})`, err);
  if (e.name === 'InvalidBucketName') return badInput(`${location}: invalid bucket name (${what})`, err);
  if (e.name === 'AccessDenied' || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch') {
    return unavailable(`S3 refused ${what} on ${location} (${e.name}); check the AWS credentials`, err);
  }
  return unavailable(
    `S3 ${what} on ${location} failed: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`,
    err,
  );
}

export class S3DeadLetterSource implements DeadLetterSource {
  readonly describe: string;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly prefix: string,
  ) {
    this.describe = `s3://${bucket}/${prefix}`;
  }

  async *listRefs(filter: { subscription?: string; sinceMs?: number; untilMs?: number }) {
    const listPrefix = `${this.prefix}/${filter.subscription ? `${filter.subscription}/` : ''}`;
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.s3.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: listPrefix, ContinuationToken: token }),
        );
      } catch (err) {
        throw s3Failure(err, 'list', this.describe);
      }
      for (const obj of page.Contents ?? []) {
        const ref = obj.Key ? parseDeadLetterKey(this.prefix, obj.Key) : undefined;
        if (!ref) continue;
        if (filter.sinceMs !== undefined && ref.deadLetteredAtMs < filter.sinceMs) continue;
        if (filter.untilMs !== undefined && ref.deadLetteredAtMs > filter.untilMs) continue;
        yield ref;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async read(ref: DeadLetterRef): Promise<DeadLetterRecord> {
    let text: string;
    try {
      const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: ref.key }));
      text = (await got.Body?.transformToString('utf-8')) ?? '';
    } catch (err) {
      if (err instanceof NoSuchKey) throw badInput(`no dead letter at s3://${this.bucket}/${ref.key}`, err);
      throw s3Failure(err, `get ${ref.key}`, this.describe);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new MalformedDeadLetterError(ref.key, 'not JSON', { cause: err });
    }
    const parsed = deadLetterRecordSchema.safeParse(json);
    if (!parsed.success) {
      const problems = formatZodIssues(parsed.error.issues);
      throw new MalformedDeadLetterError(ref.key, `not a dead-letter record (${problems.join('; ')})`);
    }
    return parsed.data;
  }

  async delete(refs: readonly DeadLetterRef[]) {
    const failed: { key: string; message: string }[] = [];
    for (let i = 0; i < refs.length; i += 1000) {
      const chunk = refs.slice(i, i + 1000);
      try {
        const res = await this.s3.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: chunk.map((r) => ({ Key: r.key })), Quiet: true },
          }),
        );
        for (const e of res.Errors ?? []) {
          failed.push({ key: e.Key ?? '?', message: `${e.Code ?? 'Error'}: ${e.Message ?? ''}`.trim() });
        }
      } catch (err) {
        throw s3Failure(err, 'delete', this.describe);
      }
    }
    return { failed };
  }

  async close(): Promise<void> {
    this.s3.destroy();
  }
}
