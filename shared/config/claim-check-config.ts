/**
 * The bridge's `claimCheck` setting (docs/bridge.md, "Claim checks"): where bodies too large for an
 * Invoke, or over `thresholdBytes`, are stored, with a pointer sent in their place (docs/contract.md).
 * Part of the bridge's one config schema (bridge-config.ts); the cross-field rule is here too.
 */
import { z } from 'zod';
import { DEFAULT_CLAIM_CHECK_PREFIX, normalizeClaimCheckPrefix } from '#shared/contract/claim-check';

export const claimCheckConfigSchema = z
  .object({
    /** The bucket (the dead-letter bucket in infra/). */
    bucket: z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
        'must be an S3 bucket name (3-63 lowercase letters, digits, dots, dashes)',
      ),
    /** Key prefix, reserved for claim checks (infra expires it). @default 'claim-checks/' */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()/-]*$/, "must be a key prefix (letters, digits, and !_.*'()/-)")
      .default(DEFAULT_CLAIM_CHECK_PREFIX),
    /**
     * Also store every body larger than this, so batches stay large. Unset: only bodies that cannot be
     * invoked inline (their event alone would pass the subscription's maxBytes) are stored.
     */
    thresholdBytes: z.number().int().min(1).optional(),
    region: z.string().min(1).optional(),
    /** An S3-compatible endpoint (MinIO locally); path-style addressing is used when set. */
    endpoint: z.url().optional(),
  })
  .strict();

export type ClaimCheckConfig = z.output<typeof claimCheckConfigSchema>;

/**
 * Claim checks and dead letters in the same bucket must not share keys: the claim-check expiry would
 * delete dead letters, and the CLI's dead-letter listing would read claim checks as broken records.
 * Works on raw input, so it reports even when other parts of the config failed to parse.
 */
export function claimCheckOverlapProblem(raw: Record<string, unknown>): string | undefined {
  const cc = raw.claimCheck as Record<string, unknown> | undefined;
  const dl = raw.deadLetter as Record<string, unknown> | undefined;
  if (typeof cc !== 'object' || cc === null || typeof dl !== 'object' || dl === null) return undefined;
  if (dl.kind !== 's3' || typeof cc.bucket !== 'string' || cc.bucket !== dl.bucket) return undefined;
  const ccPrefix = normalizeClaimCheckPrefix(
    typeof cc.prefix === 'string' ? cc.prefix : DEFAULT_CLAIM_CHECK_PREFIX,
  );
  const dlPrefix = normalizeClaimCheckPrefix(typeof dl.prefix === 'string' ? dl.prefix : 'dead-letters');
  if (ccPrefix.startsWith(dlPrefix) || dlPrefix.startsWith(ccPrefix))
    return `prefix ${JSON.stringify(ccPrefix)} overlaps the dead-letter prefix ${JSON.stringify(dlPrefix)} in bucket ${JSON.stringify(cc.bucket)}: give claim checks their own prefix`;
  return undefined;
}
