import { describe, expect, it } from 'vitest';
import {
  accountFor,
  driftOf,
  expectedRate,
  fitLine,
  formatDuration,
  interpolateRate,
  nextSampleAtMs,
  rateBetween,
  type SoakSample,
  samplesToCsv,
  soakVerdicts,
} from '../../../bench/soak-analysis.ts';
import { sampleRun, trial } from './fixtures.ts';

const MIB = 2 ** 20;

/** Samples every 5 s for `n` intervals, figures from functions of the elapsed seconds. */
function samplesOf(
  n: number,
  f: Partial<Record<'rss' | 'heap' | 'heapGc' | 'rate' | 'fds', (t: number) => number>> = {},
): SoakSample[] {
  return Array.from({ length: n }, (_, i) => {
    const t = (i + 1) * 5;
    return {
      elapsedSec: t,
      finished: t * 1000,
      msgsPerSec: f.rate?.(t) ?? 1000,
      rssBytes: f.rss?.(t) ?? 100 * MIB,
      heapUsedBytes: f.heap?.(t) ?? 40 * MIB,
      heapAfterFullGcBytes: f.heapGc?.(t) ?? 30 * MIB,
      openFds: f.fds?.(t) ?? 30,
      eventLoopDelayP99Ms: 12,
      cpuSeconds: t / 2,
    };
  });
}

const accounted = accountFor({ published: 20, handled: 20, deadLettered: 0, leftInNsqd: 0 });

describe('nextSampleAtMs', () => {
  it.each([
    // start, interval, now → next due
    [1_000, 5_000, 1_000, 6_000],
    [1_000, 5_000, 5_999, 6_000],
    [1_000, 5_000, 6_000, 11_000],
    // a slow sample skips the ticks it missed instead of bunching up
    [1_000, 5_000, 17_500, 21_000],
    // a clock before the start still waits one interval
    [1_000, 5_000, 0, 6_000],
  ])('start %d, every %d ms, at %d: next at %d', (start, interval, now, next) => {
    expect(nextSampleAtMs(start, interval, now)).toBe(next);
  });

  it('rejects an interval that is not positive', () => {
    expect(() => nextSampleAtMs(0, 0, 10)).toThrow(/interval must be > 0/);
  });
});

describe('rateBetween', () => {
  it('is messages per second between two samples, 0 when no time passed', () => {
    expect(rateBetween({ elapsedSec: 5, finished: 1_000 }, { elapsedSec: 10, finished: 6_000 })).toBe(1_000);
    expect(rateBetween({ elapsedSec: 5, finished: 1_000 }, { elapsedSec: 5, finished: 1_000 })).toBe(0);
  });
});

describe('fitLine', () => {
  it('fits a least-squares line, and gives none for fewer than two distinct x', () => {
    expect(
      fitLine([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toEqual({ slope: 2, intercept: 1 });
    expect(fitLine([[0, 1]])).toBeUndefined();
    expect(
      fitLine([
        [1, 1],
        [1, 3],
      ]),
    ).toBeUndefined();
  });
});

describe('driftOf', () => {
  it.each([
    ['flat', (_t: number) => 100 * MIB, 0],
    [
      'growing 10 % from 10 % of the run to its end',
      (t: number) => 100 * MIB * (1 + (0.1 * (t - 10)) / 80),
      0.1,
    ],
    ['shrinking by 20 %', (t: number) => 100 * MIB * (1 - (0.2 * (t - 10)) / 80), -0.2],
  ])('RSS %s', (_name, rss, expected) => {
    // 18 samples: 5 … 90 s, 1,000 msgs/s; 10 % of the messages were through at the 10 s sample.
    const drift = driftOf(samplesOf(18, { rss }), (s) => s.rssBytes);
    expect(drift?.fraction).toBeCloseTo(expected, 6);
    expect(drift?.samples).toBe(17);
  });

  it('starts at 10 % of the messages, not of the time, so a slow start-up stays out', () => {
    // 2 messages a second for 50 s, then 1,000: 10 % of the 100,100 are through at the 60 s sample.
    const samples = samplesOf(30, { rss: (t) => (t < 60 ? 50 * MIB : 100 * MIB + (t - 60) * MIB) }).map(
      (s) => ({
        ...s,
        finished: s.elapsedSec <= 50 ? s.elapsedSec * 2 : 100 + (s.elapsedSec - 50) * 1_000,
      }),
    );
    const drift = driftOf(samples, (s) => s.rssBytes);
    expect(drift?.samples).toBe(19);
    expect(drift?.from).toBeCloseTo(100 * MIB, 0);
    expect(drift?.to).toBeCloseTo(190 * MIB, 0);
  });

  it('leaves out the start-up before 10 % of the run', () => {
    const rss = (t: number) => (t <= 5 ? 10 * MIB : 100 * MIB);
    expect(driftOf(samplesOf(60, { rss }), (s) => s.rssBytes)?.fraction).toBeCloseTo(0, 9);
  });

  it('is not fooled by one noisy sample the way first-vs-last would be', () => {
    const rss = (t: number) => (t === 300 ? 130 * MIB : 100 * MIB);
    const drift = driftOf(samplesOf(60, { rss }), (s) => s.rssBytes);
    expect(Math.abs(drift?.fraction ?? 1)).toBeLessThan(0.05);
  });

  it('skips samples without the figure and needs at least three', () => {
    const samples = samplesOf(4).map((s, i) => ({
      ...s,
      heapUsedBytes: i < 2 ? undefined : s.heapUsedBytes,
    }));
    expect(driftOf(samples, (s) => s.heapUsedBytes)).toBeUndefined();
    expect(driftOf([], (s) => s.rssBytes)).toBeUndefined();
  });
});

describe('accountFor', () => {
  it.each([
    // published, handled, dead-lettered, still in nsqd → lost, duplicates
    [1_000, 1_000, 0, 0, 0, 0],
    [1_000, 990, 10, 0, 0, 0],
    [1_000, 985, 10, 0, 5, 0],
    // a run cut short: what nsqd still holds is not lost
    [1_000, 985, 10, 5, 0, 0],
    [1_000, 980, 10, 5, 5, 0],
    [1_000, 1_003, 0, 0, 0, 3],
  ])(
    '%d published, %d handled, %d dead-lettered, %d in nsqd: %d lost, %d duplicates',
    (p, h, d, left, lost, dup) => {
      expect(accountFor({ published: p, handled: h, deadLettered: d, leftInNsqd: left })).toMatchObject({
        lost,
        duplicates: dup,
      });
    },
  );
});

describe('soakVerdicts', () => {
  const verdict = (samples: SoakSample[], accounting = accounted) =>
    Object.fromEntries(soakVerdicts(samples, accounting).map((v) => [v.figure.split(',')[0], v.pass]));

  it('passes a flat run with nothing lost', () => {
    expect(verdict(samplesOf(20))).toEqual({
      'RSS drift': true,
      'heap drift (after each full GC)': true,
      'msgs/s drift': true,
      'open file descriptors': true,
      'lost messages': true,
    });
  });

  it('fails growing memory, falling msgs/s, leaking descriptors and a lost message', () => {
    const samples = samplesOf(20, {
      rss: (t) => 100 * MIB + t * MIB,
      heapGc: (t) => 30 * MIB + t * MIB,
      rate: (t) => 2_000 - t * 20,
      fds: (t) => 30 + Math.floor(t / 10),
    });
    const lossy = accountFor({ published: 20, handled: 19, deadLettered: 0, leftInNsqd: 0 });
    expect(Object.values(verdict(samples, lossy))).toEqual([false, false, false, false, false]);
  });

  it('lets memory fall and msgs/s rise, and fails a message still in nsqd', () => {
    const samples = samplesOf(20, { rss: (t) => 200 * MIB - t * MIB, rate: (t) => 1_000 + t * 10 });
    const left = accountFor({ published: 20, handled: 20, deadLettered: 0, leftInNsqd: 1 });
    expect(verdict(samples, left)).toMatchObject({
      'RSS drift': true,
      'msgs/s drift': true,
      'lost messages': false,
    });
  });

  it('reads the heap drift off the heap after full GCs, not the sawtooth of heap used', () => {
    // Heap used climbs with garbage that no full GC has collected yet; the live heap stays flat.
    const samples = samplesOf(20, { heap: (t) => 30 * MIB + t * MIB });
    expect(verdict(samples)).toMatchObject({ 'heap drift (after each full GC)': true });
    const leaking = samplesOf(20, { heapGc: (t) => 30 * MIB + t * 0.5 * MIB });
    expect(verdict(leaking)).toMatchObject({ 'heap drift (after each full GC)': false });
  });

  it('judges nothing it has too few samples for', () => {
    expect(verdict(samplesOf(2))).toMatchObject({ 'RSS drift': undefined, 'lost messages': true });
  });
});

describe('samplesToCsv', () => {
  it('writes a header and one line per sample, an empty cell for a figure not read', () => {
    const [first, second] = samplesOf(2);
    const csv = samplesToCsv([{ ...(first as SoakSample), heapUsedBytes: undefined }, second as SoakSample]);
    expect(csv.split('\n')).toEqual([
      'elapsed_s,finished,msgs_per_s,rss_bytes,heap_used_bytes,heap_after_full_gc_bytes,open_fds,event_loop_delay_p99_ms,cpu_seconds',
      `5.000,5000,1000.0,${100 * MIB},,${30 * MIB},30,12.000,2.50`,
      `10.000,10000,1000.0,${100 * MIB},${40 * MIB},${30 * MIB},30,12.000,5.00`,
      '',
    ]);
  });
});

describe('formatDuration', () => {
  it.each([
    [45, '45 s'],
    [200, '3 min 20 s'],
    [3_725, '1 h 02 min'],
  ])('%d s is %s', (s, text) => expect(formatDuration(s)).toBe(text));
});

describe('interpolateRate and expectedRate', () => {
  it('interpolates the time per message linearly in the body size, clamped to the measured range', () => {
    const small = { bodyBytes: 200, msgsPerSec: 20_000 };
    const large = { bodyBytes: 10_200, msgsPerSec: 5_000 };
    // 50 µs at 200 B, 200 µs at 10,200 B: 65 µs at 1,200 B.
    expect(interpolateRate(small, large, 1_200)).toBeCloseTo(1e6 / 65, 6);
    expect(interpolateRate(small, large, 100)).toBeCloseTo(20_000, 6);
    expect(interpolateRate(small, large, 50_000)).toBeCloseTo(5_000, 6);
  });

  it('reads the batch-100 local-Lambda medians of a saved run', () => {
    const saved = {
      ...sampleRun(),
      workloads: [
        { id: 'small', label: '200 B', messages: 1, bodyBytes: 200 },
        { id: 'large', label: '10 KiB', messages: 1, bodyBytes: 10_200 },
      ],
      throughput: [
        trial('bridge-b100-local-lambda', 20_000),
        trial('bridge-b100-local-lambda', 1),
        trial('bridge-b100-local-lambda', 30_000),
        trial('bridge-b100-local-lambda', 5_000, { workloadId: 'large' }),
      ],
    };
    expect(expectedRate(saved, 1_200)).toBeCloseTo(1e6 / 65, 6);
    expect(expectedRate({ ...saved, throughput: [] }, 1_200)).toBeUndefined();
  });
});
