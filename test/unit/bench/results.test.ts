import { describe, expect, it } from 'vitest';
import { evaluateTargets, summarize } from '../../../bench/results.ts';
import { latency, sampleRun, trial } from './fixtures.ts';

describe('summarize', () => {
  it('takes median, min and max over the rounds of one system and workload', () => {
    const s = summarize(sampleRun().throughput, 'nsq_to_http-n100-mif200', 'small');
    expect(s.msgsPerSec).toEqual({ median: 4_500, min: 4_000, max: 5_000, count: 2 });
    expect(s.runs).toBe(2);
    expect(s.drainedRuns).toBe(2);
    expect(summarize(sampleRun().throughput, 'nsqjs', 'large').msgsPerSec?.median).toBe(9_000);
  });
});

describe('evaluateTargets', () => {
  const verdicts = (run = sampleRun()) => Object.fromEntries(evaluateTargets(run).map((c) => [c.target, c]));

  it('judges batch 100 against 5× nsq_to_http and 60 % of nsqjs, per Invoke target', () => {
    const v = verdicts();
    // responder: 25,000 vs 4,500 = 5.56×, 62.5 % of 40,000 → met; local Lambda: 13,000 = 2.89×, 32.5 % → not met.
    expect(v['batch 100 (bare responder) ≥ 5× nsq_to_http msgs/s']?.verdict).toBe('met');
    expect(v['batch 100 (bare responder) ≥ 60 % of the bare nsqjs reader']?.verdict).toBe('met');
    expect(v['batch 100 (local Lambda) ≥ 5× nsq_to_http msgs/s']?.verdict).toBe('not met');
    expect(v['batch 100 (local Lambda) ≥ 5× nsq_to_http msgs/s']?.measured).toMatch(/2\.89×/);
    expect(v['batch 100 (local Lambda) ≥ 60 % of the bare nsqjs reader']?.verdict).toBe('not met');
  });

  it('calls a miss out of reach when the Lambda floor misses the same target', () => {
    const floors = (floorRate: number) =>
      verdicts(
        sampleRun({
          systems: [
            ...sampleRun().systems,
            { id: 'forwarder-lambda-b100', label: 'floor: Lambda', kind: 'forwarder', settings: 's' },
          ],
          throughput: [...sampleRun().throughput, trial('forwarder-lambda-b100', floorRate)],
        }),
      );
    // The local Lambda row (13,000 msgs/s) misses 5× (22,500) and 60 % (24,000).
    const low = floors(20_000);
    expect(low['batch 100 (local Lambda) ≥ 5× nsq_to_http msgs/s']?.verdict).toBe('out of reach');
    expect(low['batch 100 (local Lambda) ≥ 5× nsq_to_http msgs/s']?.measured).toMatch(
      /the Lambda floor itself makes only 4\.44×$/,
    );
    expect(low['batch 100 (local Lambda) ≥ 60 % of the bare nsqjs reader']?.verdict).toBe('out of reach');
    // A met row stays met whatever the floor did.
    expect(low['batch 100 (bare responder) ≥ 5× nsq_to_http msgs/s']?.verdict).toBe('met');
    const high = floors(30_000);
    expect(high['batch 100 (local Lambda) ≥ 5× nsq_to_http msgs/s']?.verdict).toBe('not met');
    expect(high['batch 100 (local Lambda) ≥ 5× nsq_to_http msgs/s']?.measured).toMatch(
      /the Lambda floor makes 6\.67×$/,
    );
  });

  it('judges invocations per 1,000, RSS with 10,000 in flight, low-load p99 and the throttled run', () => {
    const v = verdicts();
    expect(v['invocations per 1,000 messages at batch 100 ≤ 11']?.verdict).toBe('not met');
    expect(v['peak RSS ≤ 200 MB with 10,000 in flight']?.verdict).toBe('met');
    // 45 ms (bridge) - 26 ms (bare reader) = 19 ms added ≤ 30 ms.
    expect(v['low-load added p99 publish→FIN ≤ maxWaitMs + 10 ms (30 ms)']?.verdict).toBe('met');
    expect(v['throttled run: ≤ 1.05 attempts per message, none lost']?.verdict).toBe('met');
  });

  it("judges added latency against the baseline reader with the bridge's output buffering", () => {
    const run = sampleRun({
      latency: [
        latency('nsqjs', 130, 250),
        latency('nsqjs-obt25', 12, 26),
        latency('bridge-auto-responder', 150, 290),
      ],
    });
    const against = (latencyBaselineId: string) =>
      verdicts({ ...run, latencyBaselineId })['low-load added p99 publish→FIN ≤ maxWaitMs + 10 ms (30 ms)'];
    expect(against('nsqjs')?.verdict).toBe('not met');
    expect(against('nsqjs')?.measured).toMatch(/^40 ms added/);
    expect(against('nsqjs-obt25')?.verdict).toBe('not met');
    expect(against('nsqjs-missing')?.verdict).toBe('not measured');
  });

  it('shows the RSS sampled while 10,000 were in flight next to the peak', () => {
    const run = sampleRun({
      inflight: [
        trial('bridge-inflight-10k', 8_000, {
          maxInFlight: 10_000,
          peakRssBytes: 250e6,
          rssAtThresholdBytes: 180e6,
        }),
      ],
    });
    const check = verdicts(run)['peak RSS ≤ 200 MB with 10,000 in flight'];
    expect(check?.verdict).toBe('not met');
    expect(check?.measured).toMatch(/^peak 250 MB .*180 MB at most while 10,000 were in flight/);
  });

  it('does not call the RSS target met when 10,000 in flight was never reached', () => {
    const run = sampleRun({
      inflight: [trial('bridge-inflight-10k', 8_000, { maxInFlight: 6_000, peakRssBytes: 1e6 })],
    });
    expect(verdicts(run)['peak RSS ≤ 200 MB with 10,000 in flight']?.verdict).toBe('not measured');
  });

  it('counts dead-lettered and unfinished messages as lost in the throttled run', () => {
    const deadLettered = sampleRun({
      throttled: [trial('bridge-b10-throttled', 1_000, { deadLettered: 1 })],
    });
    expect(verdicts(deadLettered)['throttled run: ≤ 1.05 attempts per message, none lost']?.verdict).toBe(
      'not met',
    );
    const unfinished = sampleRun({
      throttled: [trial('bridge-b10-throttled', 1_000, { finished: 9_999, drained: false })],
    });
    const check = verdicts(unfinished)['throttled run: ≤ 1.05 attempts per message, none lost'];
    expect(check?.verdict).toBe('not met');
    expect(check?.measured).toMatch(/1 unfinished/);
  });

  it('judges the ratios on the 10 KiB workload too, named by workload', () => {
    const v = verdicts();
    // No bridge figures for 10 KiB in the sample: measured for nsqjs only.
    expect(v['batch 100 (bare responder, 10 KiB) ≥ 60 % of the bare nsqjs reader']?.verdict).toBe(
      'not measured',
    );
    const run = sampleRun();
    const withLarge = sampleRun({
      throughput: [
        ...run.throughput,
        trial('bridge-b100-responder', 6_000, { workloadId: 'large' }),
        trial('nsq_to_http-n100-mif200', 1_000, { workloadId: 'large' }),
      ],
    });
    const large = verdicts(withLarge);
    expect(large['batch 100 (bare responder, 10 KiB) ≥ 5× nsq_to_http msgs/s']?.verdict).toBe('met');
    expect(large['batch 100 (bare responder, 10 KiB) ≥ 60 % of the bare nsqjs reader']?.measured).toBe(
      '6,000 vs 9,000 msgs/s = 67 %',
    );
  });

  it('says "not measured" for every target nobody ran', () => {
    const empty = sampleRun({ throughput: [], latency: [], throttled: [], inflight: [] });
    expect(evaluateTargets(empty).every((c) => c.verdict === 'not measured')).toBe(true);
  });
});
