import { describe, expect, it } from 'vitest';
import { edgeComparisonSection, edgeComparisons } from '../../../bench/edge-comparison.ts';
import { sampleRun, trial } from './fixtures.ts';

const withEdge = () => {
  const run = sampleRun();
  return sampleRun({
    systems: [
      ...run.systems,
      {
        id: 'bridge-b100-workerd',
        label: 'bridge batch 100 → workerd (edge responder)',
        kind: 'bridge',
        settings: 's',
      },
    ],
    throughput: [
      ...run.throughput,
      trial('bridge-b100-workerd', 10_000, { cpuSecondsPer100k: 14 }),
      trial('bridge-b100-workerd', 12_000, { round: 1, cpuSecondsPer100k: 16 }),
    ],
  });
};

describe('edgeComparisons', () => {
  it('sets the workerd row beside the responder row, per workload it ran on', () => {
    // The responder's median is 25,000 (24,000 and 26,000); workerd's 11,000.
    expect(edgeComparisons(withEdge())).toEqual([
      {
        workloadId: 'small',
        workloadLabel: '200 B',
        responderMsgsPerSec: 25_000,
        workerdMsgsPerSec: 11_000,
        ratio: 0.44,
        responderCpuPer100k: 10,
        workerdCpuPer100k: 15,
      },
    ]);
  });

  it('has no ratio without a responder row, and nothing without a workerd row', () => {
    const run = withEdge();
    const alone = {
      ...run,
      throughput: run.throughput.filter((r) => r.systemId !== 'bridge-b100-responder'),
    };
    expect(edgeComparisons(alone)[0]).toMatchObject({ responderMsgsPerSec: undefined, ratio: undefined });
    expect(edgeComparisons(sampleRun())).toEqual([]);
    expect(edgeComparisonSection(sampleRun())).toEqual([]);
  });
});

describe('edgeComparisonSection', () => {
  it('renders one table row per workload, with the spreads and the ratio', () => {
    const text = edgeComparisonSection(withEdge()).join('\n');
    expect(text).toContain('### The bridge into workerd, beside the responder (batch 100)');
    expect(text).toContain('| 200 B | 25,000 (24,000–26,000) | 11,000 (10,000–12,000) | 0.44× | 10 | 15 |');
  });
});
