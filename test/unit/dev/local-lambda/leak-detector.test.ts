import { describe, expect, it } from 'vitest';
import { LeakDetector } from '#dev/local-lambda/leak-detector';

const mib = 1024 * 1024;

describe('LeakDetector', () => {
  it('warns once the window shows steady growth of at least minGrowthBytes, then restarts the window', () => {
    const detector = new LeakDetector({ windowSize: 4, minGrowthBytes: 6 * mib });
    expect(detector.add(50 * mib)).toBeUndefined();
    expect(detector.add(52 * mib)).toBeUndefined();
    expect(detector.add(54 * mib)).toBeUndefined();
    const warning = detector.add(56 * mib);
    expect(warning).toEqual({ samples: [50 * mib, 52 * mib, 54 * mib, 56 * mib], growthBytes: 6 * mib });
    // The window restarted: the next three samples alone cannot warn.
    expect(detector.add(58 * mib)).toBeUndefined();
    expect(detector.add(60 * mib)).toBeUndefined();
    expect(detector.add(62 * mib)).toBeUndefined();
    expect(detector.add(64 * mib)).toBeDefined();
  });

  it('does not warn for growth below the threshold (warm-up, JIT)', () => {
    const detector = new LeakDetector({ windowSize: 4, minGrowthBytes: 8 * mib });
    for (const v of [50, 51, 52, 53, 54, 55]) expect(detector.add(v * mib)).toBeUndefined();
  });

  it('does not warn for a step up that then stays flat (a heap growing to its working size)', () => {
    // Seen with events of 6 MB: 12 MiB in the first invocations, then flat.
    const detector = new LeakDetector();
    for (const v of [93.4, 101.6, 105.2, 105.3, 105.3, 105.4, 105.3, 105.5, 105.5, 105.4, 105.5])
      expect(detector.add(v * mib)).toBeUndefined();
    // The same total growth spread over the whole window is a leak.
    const leaking = new LeakDetector();
    const warnings = [93, 94.5, 95.5, 97, 98, 99.5, 100.5, 102, 103, 104.5].map((v) => leaking.add(v * mib));
    expect(warnings.at(-1)?.growthBytes).toBe(11.5 * mib);
  });

  it('does not warn when memory is released within the window (GC), beyond the tolerance', () => {
    const detector = new LeakDetector({ windowSize: 4, minGrowthBytes: 4 * mib, toleranceBytes: 512 * 1024 });
    for (const v of [50, 55, 52, 60]) expect(detector.add(v * mib)).toBeUndefined();
  });

  it('tolerates small dips within toleranceBytes', () => {
    const detector = new LeakDetector({ windowSize: 3, minGrowthBytes: 4 * mib, toleranceBytes: mib });
    detector.add(50 * mib);
    detector.add(53 * mib);
    expect(detector.add(52.5 * mib + 5 * mib)).toBeDefined();
  });

  it('rejects a window smaller than two samples', () => {
    expect(() => new LeakDetector({ windowSize: 1 })).toThrow(/windowSize must be an integer ≥ 2, got 1/);
  });
});
