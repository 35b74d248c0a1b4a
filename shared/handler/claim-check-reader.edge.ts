/**
 * claim-check-reader.ts as edge bundles see it (shared/functions/edge-bundling.ts swaps it in): the
 * bridge puts claim checks on Lambda subscriptions only, since an HTTP target cannot read a pointer, so an
 * edge function never gets one. This variant keeps the AWS SDK and node:crypto out of the bundle, and if a
 * claim-checked message arrives anyway it dead-letters it with the reason (the bridge's dead letter keeps
 * the original body, so nothing is lost).
 */
import type { ClaimCheckPointer } from '#shared/contract/claim-check';
import type { ClaimCheckReader, ClaimCheckResolution } from './claim-check-reader.ts';

export type { ClaimCheckReader, ClaimCheckResolution };

export const EDGE_CLAIM_CHECK_REASON =
  'claim checks are not read on edge runtimes (the bridge sends them to Lambda subscriptions only)';

/** No S3 reader on the edge: reading is refused, with the reason. */
export function s3ClaimCheckReader(): ClaimCheckReader {
  return {
    get: () => Promise.reject(new Error(EDGE_CLAIM_CHECK_REASON)),
  };
}

/** Every claim check is dead-lettered with the reason, never requeued (it could never be read here). */
export async function resolveClaimCheck(
  _reader: ClaimCheckReader,
  pointer: ClaimCheckPointer,
): Promise<ClaimCheckResolution> {
  return {
    ok: false,
    outcome: 'deadLetter',
    reason: `claim check s3://${pointer.bucket}/${pointer.key}: ${EDGE_CLAIM_CHECK_REASON}`,
  };
}
