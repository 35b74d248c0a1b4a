import { describe, expect, it } from 'vitest';
import { waitFor } from '#dev/services/wait';

describe('waitFor', () => {
  it('returns the first truthy value', async () => {
    let n = 0;
    const value = await waitFor(() => (++n >= 3 ? n : undefined), { what: 'n', intervalMs: 1 });
    expect(value).toBe(3);
  });

  it('fails at the deadline and keeps the last error as cause', async () => {
    const err = await waitFor(
      () => {
        throw new Error('not yet');
      },
      { what: 'never', timeoutMs: 30, intervalMs: 5 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/timed out after 30 ms waiting for never/);
    expect(((err as Error).cause as Error).message).toBe('not yet');
  });
});
