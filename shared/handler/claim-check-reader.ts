/**
 * The handler side of claim checks: a claim-checked message (docs/contract.md, "Claim checks") is
 * resolved with ONE S3 GET of the object its pointer names, and the bytes are checked against the
 * pointer (size and SHA-256) before the handler sees them. Read-only: the kit never writes or deletes
 * a claim check (the bucket's expiry rule removes them).
 *
 * How a failed read is answered (`resolveClaimCheck`):
 * - the object is gone (NoSuchKey: expired, or deleted) or its bytes do not match → dead-letter with
 *   the reason (the bridge's dead letter keeps the original body, so nothing is lost);
 * - anything else (S3 unreachable, throttled, timed out, access denied) → requeue, so a retry can succeed.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3ClientForHandlers } from '#shared/clients/s3-client';
import type { ClaimCheckPointer } from '#shared/contract/claim-check';
import { claimCheckMismatch } from '#shared/contract/claim-check-digest';

export interface ClaimCheckReader {
  /** The object's bytes; rejects when the GET fails. */
  get(pointer: ClaimCheckPointer, signal?: AbortSignal): Promise<Uint8Array>;
}

/**
 * The default reader: the handlers' S3 client (one attempt, explicit timeouts, one per execution
 * environment), at env `S3_ENDPOINT` when set (MinIO locally; unset in AWS).
 */
export function s3ClaimCheckReader(
  client: S3Client = s3ClientForHandlers({
    ...(process.env.S3_ENDPOINT ? { endpoint: process.env.S3_ENDPOINT } : {}),
  }),
): ClaimCheckReader {
  return {
    async get(pointer, signal) {
      const got = await client.send(
        new GetObjectCommand({ Bucket: pointer.bucket, Key: pointer.key }),
        signal ? { abortSignal: signal } : {},
      );
      if (!got.Body) throw new Error(`s3://${pointer.bucket}/${pointer.key}: empty response`);
      return got.Body.transformToByteArray();
    },
  };
}

export type ClaimCheckResolution =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly outcome: 'deadLetter' | 'requeue'; readonly reason: string };

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.Code === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** Reads one claim check and checks it; never throws. */
export async function resolveClaimCheck(
  reader: ClaimCheckReader,
  pointer: ClaimCheckPointer,
  signal?: AbortSignal,
): Promise<ClaimCheckResolution> {
  const where = `s3://${pointer.bucket}/${pointer.key}`;
  let bytes: Uint8Array;
  try {
    bytes = await reader.get(pointer, signal);
  } catch (err) {
    const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (isMissing(err))
      return {
        ok: false,
        outcome: 'deadLetter',
        reason: `claim check ${where} is gone (expired or deleted): ${detail}`,
      };
    return { ok: false, outcome: 'requeue', reason: `claim check ${where} could not be read: ${detail}` };
  }
  const mismatch = claimCheckMismatch(pointer, bytes);
  if (mismatch !== undefined) return { ok: false, outcome: 'deadLetter', reason: mismatch };
  return { ok: true, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}
