import { describe, expect, it } from 'vitest';
import { progressBar } from '#cli/lib/progress';

describe('progressBar', () => {
  it('redraws one line in place on a terminal, at most every 100 ms until done', () => {
    const out: string[] = [];
    let t = 0;
    const bar = progressBar({ write: (s) => out.push(String(s)), isTTY: true }, 'replay', () => t);
    t = 1000;
    bar.update(5, 10);
    t = 1050;
    bar.update(6, 10); // too soon: skipped
    t = 2000;
    bar.update(10, 10);
    bar.finish();
    expect(out).toHaveLength(3);
    expect(out[0]).toBe(`\rreplay [${'#'.repeat(15)}${'.'.repeat(15)}] 5/10 50% eta 1s \x1b[K`);
    expect(out[1]).toContain('10/10 100%');
    expect(out[2]).toBe('\n');
  });

  it('draws nothing when the stream is not a terminal', () => {
    const out: string[] = [];
    const bar = progressBar({ write: (s) => out.push(String(s)) }, 'replay');
    bar.update(1, 2);
    bar.finish();
    expect(out).toEqual([]);
  });
});
