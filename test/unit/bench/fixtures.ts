import type { LatencyResult, ThroughputResult } from '../../../bench/measure.ts';
import { resolveOptions } from '../../../bench/options.ts';
import type { BenchRun } from '../../../bench/results.ts';

/** One throughput trial with plausible defaults. */
export function trial(
  systemId: string,
  msgsPerSec: number,
  extra: Partial<ThroughputResult> = {},
): ThroughputResult {
  return {
    systemId,
    workloadId: 'small',
    round: 0,
    messages: 10_000,
    finished: 10_000,
    drained: true,
    elapsedMs: (10_000 / msgsPerSec) * 1000,
    msgsPerSec,
    cpuSeconds: 1,
    cpuSecondsPer100k: 10,
    benchProcessCpuSeconds: 0.5,
    peakRssBytes: 100 * 1024 * 1024,
    targetRequests: 100,
    targetRequestsPer1000: 10,
    throttles: 0,
    requeues: 0,
    timeouts: 0,
    attemptsPerMessage: 1,
    maxInFlight: 1_000,
    deadLettered: 0,
    ...extra,
  };
}

export function latency(systemId: string, p50Ms: number, p99Ms: number): LatencyResult {
  return { systemId, round: 0, messages: 100, ratePerSec: 100, p50Ms, p99Ms, samples: 100 };
}

/** A small run: the bridge at batch 100 beats the targets against the responder, misses them against the local Lambda. */
export function sampleRun(overrides: Partial<BenchRun> = {}): BenchRun {
  return {
    startedAt: '2026-11-27T04:40:00.000Z',
    finishedAt: '2026-11-27T05:00:00.000Z',
    command: 'npm run bench',
    options: resolveOptions({}, {}),
    environment: {
      cpuModel: 'AMD EPYC',
      cpus: 2,
      memoryGiB: 23.5,
      kernel: 'Linux 6.1',
      node: 'v22.23.3',
      versions: { nsqd: 'nsqd v1.3.0' },
      gitCommit: 'abc1234',
      loadAverageStart: [1, 2, 3],
      loadAverageEnd: [1, 2, 3],
    },
    workloads: [
      { id: 'small', label: '200 B', messages: 10_000, bodyBytes: 200 },
      { id: 'large', label: '10 KiB', messages: 1_000, bodyBytes: 10_240 },
    ],
    systems: [
      {
        id: 'bridge-b100-local-lambda',
        label: 'bridge batch 100 → local Lambda',
        kind: 'bridge',
        settings: 's',
      },
      { id: 'bridge-b100-responder', label: 'bridge batch 100 → responder', kind: 'bridge', settings: 's' },
      { id: 'nsq_to_http-n100-mif200', label: 'nsq_to_http', kind: 'nsq_to_http', settings: 's' },
      { id: 'nsqjs', label: 'bare nsqjs reader', kind: 'nsqjs', settings: 's' },
    ],
    tuning: [],
    throughput: [
      trial('bridge-b100-local-lambda', 12_000, { targetRequestsPer1000: 12.5 }),
      trial('bridge-b100-local-lambda', 14_000, { round: 1, targetRequestsPer1000: 12.5 }),
      trial('bridge-b100-responder', 26_000),
      trial('bridge-b100-responder', 24_000, { round: 1 }),
      trial('nsq_to_http-n100-mif200', 4_000, { targetRequestsPer1000: 1000 }),
      trial('nsq_to_http-n100-mif200', 5_000, { round: 1, targetRequestsPer1000: 1000 }),
      trial('nsqjs', 40_000),
      trial('nsqjs', 40_000, { round: 1 }),
      trial('nsqjs', 9_000, { workloadId: 'large' }),
    ],
    latency: [latency('nsqjs', 12, 26), latency('bridge-auto-responder', 20, 45)],
    latencyMaxWaitMs: 20,
    latencyBaselineId: 'nsqjs',
    throttled: [
      trial('bridge-b10-throttled', 1_800, { throttles: 900, requeues: 30, attemptsPerMessage: 1.003 }),
    ],
    inflight: [trial('bridge-inflight-10k', 8_000, { maxInFlight: 10_000, peakRssBytes: 150e6 })],
    profiles: [
      {
        systemId: 'bridge-b100-responder',
        workloadId: 'small',
        summary: {
          totalMs: 2_000,
          idleMs: 100,
          topFunctions: [{ name: 'writeBuffer', group: '(native)', selfMs: 400, share: 0.21 }],
          topGroups: [{ name: '(native)', selfMs: 400, share: 0.21 }],
        },
      },
    ],
    failures: [],
    ...overrides,
  };
}
