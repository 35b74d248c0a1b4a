import { describe, expect, it } from 'vitest';
import { waitFor, waitStable } from '#dev/services/wait';

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

describe('waitStable', () => {
  it('accepts a state only after it held, unchanged, for the whole quiet period', async () => {
    const start = Date.now();
    let polls = 0;
    const value = await waitStable(
      () => {
        polls++;
        return 'idle';
      },
      { what: 'idle', quietMs: 60, intervalMs: 5 },
    );
    expect(value).toBe('idle');
    expect(Date.now() - start).toBeGreaterThanOrEqual(60);
    expect(polls).toBeGreaterThan(2);
  });

  it('does not accept a single observation: a state that flickers back restarts the quiet period', async () => {
    // Idle on one poll in four (a message between nsqd's lists), busy otherwise: never stable.
    let n = 0;
    const err = await waitStable(() => (++n % 4 === 0 ? { idle: true } : undefined), {
      what: 'flicker',
      quietMs: 40,
      timeoutMs: 300,
      intervalMs: 5,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/timed out after 300 ms waiting for flicker to hold for 40 ms/);
  });

  it('restarts the quiet period when the key changes, and returns the last value', async () => {
    let n = 0;
    const value = await waitStable(
      () => {
        n++;
        const v = { idle: true, finished: Math.min(n, 5), polls: n };
        return v;
      },
      { what: 'finished', quietMs: 30, intervalMs: 5, key: (v) => String(v.finished) },
    );
    expect(value.finished).toBe(5);
    expect(value.polls).toBeGreaterThan(5);
  });
});
