/**
 * Claim checks: a body too large for the batch event (or over a configured threshold) is stored in S3
 * and the event carries a pointer in its place. Documented in docs/contract.md ("Claim checks").
 *
 * - Marked per message: an entry with a `claimCheck` field has an empty `body`; the bytes are the S3
 *   object the pointer names. Entries without it carry their body inline, as always.
 * - Versioned: the pointer has its own `version` (CLAIM_CHECK_VERSION); a breaking change bumps it.
 * - Content-addressed: the key is `<prefix><sha256 of the body, hex>`, so storing the same body twice
 *   writes the same object (a retry or a redelivery costs no new object, and refreshes its expiry).
 */
import { z } from 'zod';

export const CLAIM_CHECK_VERSION = 1 as const;

/** The key prefix reserved for claim checks in the bucket (infra gives it an expiry rule). */
export const DEFAULT_CLAIM_CHECK_PREFIX = 'claim-checks/';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const claimCheckPointerSchema = z
  .object({
    version: z.literal(CLAIM_CHECK_VERSION),
    /** The S3 bucket holding the body. */
    bucket: z.string().min(3).max(63),
    /** The object key: `<prefix><sha256>`. */
    key: z.string().min(1).max(1024),
    /** The body's length in bytes (the object's exact size). */
    sizeBytes: z.number().int().min(0),
    /** SHA-256 of the body, lowercase hex: the reader checks the bytes it got against it. */
    sha256: z.string().regex(SHA256_HEX, 'must be 64 lowercase hex characters (SHA-256)'),
  })
  .strict();

export type ClaimCheckPointer = z.infer<typeof claimCheckPointerSchema>;

/** `claim-checks` or `/claim-checks/` → `claim-checks/`; an empty prefix stays empty. */
export function normalizeClaimCheckPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}

/** The content-addressed key of a body: `<prefix><sha256 hex>`. */
export function claimCheckKey(prefix: string, sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new RangeError(`not a SHA-256 hex digest: ${JSON.stringify(sha256)}`);
  return `${normalizeClaimCheckPrefix(prefix)}${sha256}`;
}

/**
 * Bytes of the pointer's JSON text in an event entry (`,"claimCheck":{...}` included), for a body of
 * `sizeBytes` in `bucket` under `prefix`: the batch former sizes a batch before the body is stored.
 */
export function claimCheckEntryBytes(bucket: string, prefix: string, sizeBytes: number): number {
  const pointer: ClaimCheckPointer = {
    version: CLAIM_CHECK_VERSION,
    bucket,
    key: claimCheckKey(prefix, '0'.repeat(64)),
    sizeBytes,
    sha256: '0'.repeat(64),
  };
  return new TextEncoder().encode(`,"claimCheck":${JSON.stringify(pointer)}`).byteLength;
}
