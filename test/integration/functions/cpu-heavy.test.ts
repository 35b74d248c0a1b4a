import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generatePayload, hashAndCompress } from '#functions/cpu-heavy/work';
import { batchEvent, lambdaContext } from '#shared/handler';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const { handler } = await import('#functions/cpu-heavy/handler');

describe('cpu-heavy function', () => {
  it('produces the same digest for the same seed, and a digest of exactly the payload', async () => {
    // Act
    const a = await generatePayload('seed-1', 300_000);
    const b = await generatePayload('seed-1', 300_000);
    const result = await hashAndCompress(a);

    // Assess
    expect(a.equals(b)).toBe(true);
    expect(result.sha256).toBe(createHash('sha256').update(a).digest('hex'));
    expect(result.gzipBytes).toBeLessThan(result.inputBytes);
    expect(result.inputBytes).toBe(300_000);
    expect(a.subarray(0, 64).equals(a.subarray(64, 128))).toBe(true); // runs repeat: compressible
  });

  it('finishes a job, and requeues one still running at the deadline', async () => {
    // Prepare
    const small = batchEvent([{ seed: 's', sizeBytes: 1_000_000 }], { subscription: 'cpu-heavy' });
    const huge = batchEvent([{ seed: 's', sizeBytes: 200 * 1024 * 1024 }], { subscription: 'cpu-heavy' });

    // Act
    const done = await handler(small, lambdaContext());
    const cut = await handler(huge, lambdaContext(1_300));

    // Assess
    expect(done.batchItemFailures).toEqual([]);
    expect(cut.batchItemFailures).toEqual([
      { itemIdentifier: huge.messages[0]?.id, reason: 'unfinished when the function neared its timeout' },
    ]);
  });
});
