import { describe, expect, it } from 'vitest';
import { accountFor, type SoakSample, soakVerdicts } from '../../../bench/soak-analysis.ts';
import { SOAK_DEFAULTS } from '../../../bench/soak-options.ts';
import { renderSoakReport, type SoakRun, soakChart } from '../../../bench/soak-report.ts';
import { sampleRun } from './fixtures.ts';

const samples: SoakSample[] = [5, 10, 15, 20].map((t) => ({
  elapsedSec: t,
  finished: t * 1_000,
  msgsPerSec: 1_000,
  rssBytes: 100 * 2 ** 20,
  heapUsedBytes: t === 5 ? undefined : 40 * 2 ** 20,
  heapAfterFullGcBytes: t === 5 ? undefined : 30 * 2 ** 20,
  openFds: 30,
  eventLoopDelayP99Ms: 12,
  cpuSeconds: t / 4,
}));
const accounting = accountFor({ published: 20_000, handled: 19_990, deadLettered: 10, leftInNsqd: 0 });
const run: SoakRun = {
  startedAt: '2026-12-04T23:00:00.000Z',
  finishedAt: '2026-12-04T23:00:21.000Z',
  command: 'npm run bench:soak -- --messages 20000',
  options: { ...SOAK_DEFAULTS, messages: 20_000 },
  bridge: 'the bundle',
  expectedSec: 18,
  samples,
  accounting,
  verdicts: soakVerdicts(samples, accounting),
  cutShort: false,
  figures: { bodyBytes: 1024, cpuSecondsPer100k: 2.5, invocationsPer1000: 10, peakRssBytes: 120 * 2 ** 20 },
  environment: sampleRun().environment,
};

describe('soakChart', () => {
  it('plots memory, msgs/s, descriptors and event-loop delay over time, leaving out figures not read', () => {
    const chart = soakChart(run);
    expect(chart.panels.map((p) => p.title)).toEqual([
      'memory (MiB)',
      'msgs/s',
      'open file descriptors',
      'event-loop delay p99 (ms)',
    ]);
    expect(chart.panels[0]?.series[0]?.points[0]).toEqual([5, 100]);
    expect(chart.panels[0]?.series[1]?.points).toHaveLength(3);
    // 10 % of 20,000 messages were through at the 5 s sample.
    expect(chart.markers?.[0]?.x).toBe(5);
  });
});

describe('renderSoakReport', () => {
  it('states the run, its duration against the estimate, the verdicts and where the samples are', () => {
    const md = renderSoakReport(run, 'benchmarks/soak.svg', 'benchmarks/soak.csv');
    expect(md).toMatch(/^## Soak/);
    expect(md).toContain('Took 20 s (expected ≈ 18 s from docs/benchmarks/results.json): 1,000 msgs/s');
    expect(md).toContain(
      'the bridge used 2.50 CPU s per 100k messages, made 10.0 invocations per 1,000, peak RSS 120 MiB',
    );
    expect(md).toContain('![soak](benchmarks/soak.svg)');
    expect(md).toContain('[benchmarks/soak.csv](benchmarks/soak.csv)');
    expect(md).toContain(
      '| lost messages | 0 of 20000 (handled 19990, dead-lettered 10, duplicates 0, left in nsqd 0) | 0 | pass |',
    );
    expect(md).not.toContain('CUT SHORT');
    expect(renderSoakReport({ ...run, cutShort: true }, 'a.svg', 'a.csv')).toContain('CUT SHORT at 180 min');
  });
});
