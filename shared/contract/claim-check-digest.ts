/**
 * Hashing for claim checks (node:crypto; kept apart from claim-check.ts so the batch-event schema
 * stays free of Node built-ins): the pointer of a body, and the check a reader makes on the bytes it got.
 */
import { createHash } from 'node:crypto';
import { CLAIM_CHECK_VERSION, type ClaimCheckPointer, claimCheckKey } from './claim-check.ts';

export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The pointer for `body` stored in `bucket` under `prefix`. */
export function claimCheckPointer(bucket: string, prefix: string, body: Uint8Array): ClaimCheckPointer {
  const sha256 = sha256Hex(body);
  return {
    version: CLAIM_CHECK_VERSION,
    bucket,
    key: claimCheckKey(prefix, sha256),
    sizeBytes: body.byteLength,
    sha256,
  };
}

/**
 * Why `bytes` are not the body `pointer` names, or undefined when they are (size and SHA-256 match).
 * The reader dead-letters on a mismatch: retrying cannot fix a wrong object.
 */
export function claimCheckMismatch(pointer: ClaimCheckPointer, bytes: Uint8Array): string | undefined {
  if (bytes.byteLength !== pointer.sizeBytes)
    return `claim check s3://${pointer.bucket}/${pointer.key} holds ${bytes.byteLength} bytes, the pointer says ${pointer.sizeBytes}`;
  const got = sha256Hex(bytes);
  if (got !== pointer.sha256)
    return `claim check s3://${pointer.bucket}/${pointer.key} has SHA-256 ${got}, the pointer says ${pointer.sha256}`;
  return undefined;
}
