import { describe, expect, it } from 'vitest';
import { COST_SYSTEM, costRows, figuresFrom, renderCostsReport, usd } from '../../../bench/costs-report.ts';
import { PRICES } from '../../../bench/prices.ts';
import { sampleRun, trial } from './fixtures.ts';

const run = sampleRun({
  workloads: [
    { id: 'small', label: '200 B', messages: 1, bodyBytes: 200 },
    { id: 'large', label: '10 KiB', messages: 1, bodyBytes: 10_240 },
  ],
  throughput: [
    trial(COST_SYSTEM, 20_000, {
      cpuSecondsPer100k: 3,
      targetRequestsPer1000: 10,
      peakRssBytes: 100 * 2 ** 20,
    }),
    trial(COST_SYSTEM, 20_000, {
      cpuSecondsPer100k: 5,
      targetRequestsPer1000: 10,
      peakRssBytes: 120 * 2 ** 20,
    }),
    trial(COST_SYSTEM, 20_000, {
      cpuSecondsPer100k: 4,
      targetRequestsPer1000: 10,
      peakRssBytes: 110 * 2 ** 20,
    }),
    trial(COST_SYSTEM, 5_000, { workloadId: 'large', cpuSecondsPer100k: 14, peakRssBytes: 150 * 2 ** 20 }),
    trial('bridge-b100-responder', 30_000, { cpuSecondsPer100k: 99 }),
  ],
});

describe('figuresFrom', () => {
  it('takes medians where the run measured the size and interpolates the rest', () => {
    const [small, kib, large] = figuresFrom(run);
    expect(small).toMatchObject({ bodyBytes: 200, cpuSecondsPer100k: 4, peakRssBytes: 120 * 2 ** 20 });
    expect(small?.source).toMatch(/^measured \(median of 3\)/);
    expect(large).toMatchObject({ bodyBytes: 10_240, cpuSecondsPer100k: 14 });
    // 4 + (1024 − 200) / (10240 − 200) × 10
    expect(kib?.cpuSecondsPer100k).toBeCloseTo(4 + (824 / 10_040) * 10, 9);
    expect(kib?.peakRssBytes).toBe(150 * 2 ** 20);
    expect(kib?.source).toMatch(/^interpolated/);
  });

  it('prefers a size measured by the soak to interpolation, and the run to the soak', () => {
    const soak = {
      bodyBytes: 1024,
      cpuSecondsPer100k: 2,
      invocationsPer1000: 10,
      peakRssBytes: 1,
      source: 'soak',
    };
    const [small, kib] = figuresFrom(run, [200, 1024], [soak, { ...soak, bodyBytes: 200 }]);
    expect(kib).toEqual(soak);
    expect(small?.source).toMatch(/^measured \(median/);
  });

  it('refuses a run without two measured sizes of the priced system', () => {
    expect(() => figuresFrom({ ...run, throughput: run.throughput.slice(0, 3) })).toThrow(
      /needs two measured body sizes/,
    );
  });
});

describe('the report', () => {
  it('has a row per body size and handler time, and states region, date and inputs', () => {
    expect(costRows(figuresFrom(run), PRICES)).toHaveLength(9);
    const md = renderCostsReport(run, PRICES);
    expect(md).toContain(`${PRICES.region} on-demand list prices checked on ${PRICES.checkedOn}`);
    expect(md).toContain('| 1 KiB | 1,000 ms |');
    expect(md).toContain('interpolated linearly in body size');
    expect(md.match(/^\| 10 KiB \| (10|100|1,000) ms \|/gm)).toHaveLength(6);
  });

  it.each([
    [0, '$0'],
    [0.00042, '$0.00042'],
    [0.053, '$0.053'],
    [4.531, '$4.53'],
    [1234.4, '$1,234'],
  ])('usd(%d) is %s', (v, text) => expect(usd(v)).toBe(text));
});
