/**
 * Backs up one page: GET <renderer>?url=<page>, then PUT the HTML to S3. Decides the outcome from
 * what failed:
 * - renderer 2xx → stored → finish;
 * - renderer 429/503 → requeue after Retry-After (or the subscription's backoff);
 * - renderer 404/410 and other 4xx → dead-letter (retrying cannot help);
 * - renderer 5xx, network errors, timeouts, S3 errors → thrown → requeued with backoff (S3 retries
 *   are off: the queue retries, not the SDK inside a billed invocation).
 */
import { createHash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import {
  deadLetter,
  finish,
  type MessageContext,
  type NsqMessage,
  type Outcome,
  requeue,
} from '#shared/handler';

export const pageRequestSchema = z
  .object({
    /** The page to back up. */
    url: z.url({ protocol: /^https?$/ }),
  })
  .strict();

export type PageRequest = z.output<typeof pageRequestSchema>;

export interface BackupDeps {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly keyPrefix: string;
  readonly rendererUrl: string;
  readonly rendererTimeoutMs: number;
  readonly fetch?: typeof fetch;
}

/** `html-backup/<host>/<sha256 of the URL>.html`: stable per URL, so a re-backup overwrites. */
export function backupKey(prefix: string, pageUrl: string): string {
  const url = new URL(pageUrl);
  return `${prefix}${url.host}/${createHash('sha256').update(url.href).digest('hex')}.html`;
}

/** The host a page belongs to: the rate-limit key. */
export function pageHost(message: NsqMessage<PageRequest>): string {
  return new URL(message.body.url).host;
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export async function backupPage(
  message: NsqMessage<PageRequest>,
  ctx: Pick<MessageContext, 'signal' | 'log'>,
  deps: BackupDeps,
): Promise<Outcome> {
  const pageUrl = message.body.url;
  const renderUrl = new URL(deps.rendererUrl);
  renderUrl.searchParams.set('url', pageUrl);
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(deps.rendererTimeoutMs)]);
  const response = await (deps.fetch ?? fetch)(renderUrl, { signal, headers: { accept: 'text/html' } });
  if (response.status === 429 || response.status === 503) {
    await response.body?.cancel();
    return requeue(retryAfterMs(response.headers.get('retry-after')), `renderer answered ${response.status}`);
  }
  if (response.status >= 400 && response.status < 500) {
    await response.body?.cancel();
    return deadLetter(`renderer answered ${response.status} for ${pageUrl}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`renderer answered ${response.status} for ${pageUrl}`);
  }
  const html = Buffer.from(await response.arrayBuffer());
  const key = backupKey(deps.keyPrefix, pageUrl);
  await deps.s3.send(
    new PutObjectCommand({
      Bucket: deps.bucket,
      Key: key,
      Body: html,
      ContentType: response.headers.get('content-type') ?? 'text/html; charset=utf-8',
      Metadata: { 'source-url': encodeURI(pageUrl), 'nsq-message-id': message.id },
    }),
    { abortSignal: ctx.signal },
  );
  ctx.log.info('page backed up', { key, bytes: html.length });
  return finish();
}
