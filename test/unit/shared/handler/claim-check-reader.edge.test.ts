import { describe, expect, it } from 'vitest';
import type { ClaimCheckPointer } from '#shared/contract/claim-check';
import {
  EDGE_CLAIM_CHECK_REASON,
  resolveClaimCheck,
  s3ClaimCheckReader,
} from '#shared/handler/claim-check-reader.edge';

const pointer = { bucket: 'b', key: 'claim-checks/x' } as ClaimCheckPointer;

describe('the edge claim-check reader', () => {
  it('dead-letters a claim check with the reason, never requeues it', async () => {
    expect(await resolveClaimCheck(s3ClaimCheckReader(), pointer)).toEqual({
      ok: false,
      outcome: 'deadLetter',
      reason: `claim check s3://b/claim-checks/x: ${EDGE_CLAIM_CHECK_REASON}`,
    });
  });

  it('refuses a read', async () => {
    await expect(s3ClaimCheckReader().get(pointer)).rejects.toThrow(EDGE_CLAIM_CHECK_REASON);
  });
});
