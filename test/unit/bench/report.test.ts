import { describe, expect, it } from 'vitest';
import { cpuChart, cpuChartPath, renderReport, throughputChart } from '../../../bench/report.ts';
import { sampleRun, trial } from './fixtures.ts';

describe('renderReport', () => {
  const md = renderReport(sampleRun(), 'benchmarks/throughput.svg');

  it('has the targets with verdicts, the chart and a throughput table per workload', () => {
    expect(md).toMatch(/^# Benchmarks/);
    expect(md).toContain('## Targets (issue 18)');
    expect(md).toContain(
      '| 200 B, batch 100 → responder: ≥ 90 % of the Lambda floor | the floor not run | **not measured** |',
    );
    expect(md).toContain(
      '| peak RSS with 10,000 in flight ≤ 140 MB (140,000,000 bytes = 133.5 MiB) | peak 150 MB = 143 MiB',
    );
    expect(md).toContain("### Issue 8's targets that still apply");
    expect(md).toContain(
      '| 200 B, batch 100 → responder: ≥ 5× nsq_to_http msgs/s | 25,000 vs 4,500 msgs/s = 5.56× | **met** |',
    );
    expect(md.indexOf('## Targets (issue 18)')).toBeLessThan(md.indexOf("### Issue 8's targets"));
    expect(md.indexOf("### Issue 8's targets")).toBeLessThan(md.indexOf('## Throughput'));
    expect(md).toContain('![msgs/s per system and batch size](benchmarks/throughput.svg)');
    expect(md).toContain('![consumer CPU seconds per 100,000 messages](benchmarks/throughput-cpu.svg)');
    expect(md).toContain('### 200 B: 10,000 messages');
    expect(md).toContain('| bridge batch 100 → responder | 25,000 (24,000–26,000) |');
    expect(md).toContain('### 10 KiB: 1,000 messages');
  });

  it('puts extra sections (the soak) before the method', () => {
    const withSoak = renderReport(sampleRun(), 'c.svg', ['## Soak (`npm run bench:soak`)\n\nbody\n']);
    expect(withSoak.indexOf('## Soak')).toBeGreaterThan(0);
    expect(withSoak.indexOf('## Soak')).toBeLessThan(withSoak.indexOf('## Method'));
    expect(md).not.toContain('## Soak');
  });

  it('puts the floors next to the bridge, as shares of each yardstick', () => {
    expect(md).not.toContain('### Floors');
    const withFloor = renderReport(
      sampleRun({
        systems: [
          ...sampleRun().systems,
          { id: 'forwarder-lambda-b100', label: 'floor: Lambda', kind: 'forwarder', settings: 's' },
        ],
        throughput: [...sampleRun().throughput, trial('forwarder-lambda-b100', 30_000)],
      }),
      'c.svg',
    );
    expect(withFloor).toContain('### Floors');
    expect(withFloor).toContain('| floor: Lambda | 30,000 | 75 % | 6.67× | 100 % |');
    expect(withFloor).toContain('| bridge batch 100 → responder | 25,000 | 63 % | 5.56× | 83 % |');
  });

  it('reports the low-load latency, the throttled run and the 10,000 in flight run', () => {
    expect(md).toMatch(/\| bare nsqjs reader \| 12 \| 26 \| 1 \|/);
    expect(md).toMatch(/## Throttled run[\s\S]*\| 10,000 \| 10,000 \|[\s\S]*\| 900 \|/);
    expect(md).toMatch(/## Memory with 10,000 messages in flight[\s\S]*\| 10,000 \| 143 \|/);
  });

  it('has a profile table per profiled workload', () => {
    expect(md).toContain('### 200 B: `node --cpu-prof` of bridge batch 100 → responder');
    expect(md).toContain('| writeBuffer | (native) | 400 | 21.0 % |');
    expect(renderReport(sampleRun({ profiles: [] }), 'c.svg')).toMatch(
      /## Where the bridge spends its CPU\n\nNot profiled\./,
    );
  });

  it('says so when it was written while the run was still going', () => {
    expect(md).not.toContain('**Partial**');
    expect(renderReport(sampleRun({ partial: true }), 'c.svg')).toContain('> **Partial**: written at');
  });

  it('lists failed trials and says what was not run', () => {
    const failed = renderReport(
      sampleRun({ failures: ['nsqjs small round 1: exited'], throttled: [] }),
      'c.svg',
    );
    expect(failed).toContain('## Trials that failed');
    expect(failed).toContain('- nsqjs small round 1: exited');
    expect(failed).toMatch(/## Throttled run[^\n]*\n\nNot run\./);
  });
});

describe('throughputChart', () => {
  it('has one panel per workload with a bar per measured system', () => {
    const chart = throughputChart(sampleRun());
    expect(chart.panels.map((p) => p.bars.length)).toEqual([4, 1]);
    expect(chart.panels[0]?.bars[1]).toMatchObject({
      label: 'bridge batch 100 → responder',
      median: 25_000,
      kind: 'bridge-responder',
    });
  });
});

describe('cpuChart', () => {
  it('charts CPU seconds per 100k messages next to the throughput chart', () => {
    const chart = cpuChart(sampleRun());
    expect(chart.unit).toBe('CPU s per 100k msgs');
    expect(chart.panels[0]?.bars[0]).toMatchObject({ median: 10 });
    expect(cpuChartPath('docs/benchmarks/throughput.svg')).toBe('docs/benchmarks/throughput-cpu.svg');
  });
});
