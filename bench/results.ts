/**
 * The benchmark's results model and the per-system summaries (median, min, max over rounds). The
 * targets judged against them are in target-checks.ts. Pure.
 */
import type { ProfileSummary } from './cpu-profile.ts';
import type { LatencyResult, ThroughputResult, Workload } from './measure.ts';
import type { BenchOptions } from './options.ts';
import { type Spread, spread } from './stats.ts';

export interface SystemInfo {
  readonly id: string;
  readonly label: string;
  readonly kind: 'bridge' | 'nsq_to_http' | 'forwarder' | 'nsqjs';
  /** Settings shown in the method section (batching, -n, max in flight). */
  readonly settings: string;
}

export interface EnvironmentInfo {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly gitCommit: string;
  readonly loadAverageStart: readonly number[];
  readonly loadAverageEnd: readonly number[];
}

export interface BenchRun {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly options: BenchOptions;
  readonly environment: EnvironmentInfo;
  readonly workloads: readonly Workload[];
  readonly systems: readonly SystemInfo[];
  /** nsq_to_http candidates (one trial each) and the id of the one kept. */
  readonly tuning: readonly ThroughputResult[];
  readonly nsqToHttpChoice?: string;
  readonly throughput: readonly ThroughputResult[];
  readonly latency: readonly LatencyResult[];
  readonly latencyMaxWaitMs: number;
  /** The bare reader with the bridge's output_buffer_timeout: the baseline of "added latency". */
  readonly latencyBaselineId: string;
  readonly throttled: readonly ThroughputResult[];
  readonly inflight: readonly ThroughputResult[];
  /** CPU profiles of the bridge, one per workload. */
  readonly profiles: readonly {
    readonly systemId: string;
    readonly workloadId: string;
    readonly summary: ProfileSummary;
  }[];
  /** Trials that failed, with the reason (they are left out of the figures). */
  readonly failures: readonly string[];
  /** Written while the run was still going (a checkpoint). */
  readonly partial?: boolean;
}

export interface ThroughputSummary {
  readonly systemId: string;
  readonly workloadId: string;
  readonly msgsPerSec: Spread | undefined;
  readonly cpuSecondsPer100k: Spread | undefined;
  readonly peakRssMiB: Spread | undefined;
  readonly requestsPer1000: Spread | undefined;
  readonly runs: number;
  /** Rounds that finished the whole backlog before the time cap. */
  readonly drainedRuns: number;
}

export function summarize(
  results: readonly ThroughputResult[],
  systemId: string,
  workloadId: string,
): ThroughputSummary {
  const mine = results.filter((r) => r.systemId === systemId && r.workloadId === workloadId);
  return {
    systemId,
    workloadId,
    msgsPerSec: spread(mine.map((r) => r.msgsPerSec)),
    cpuSecondsPer100k: spread(mine.map((r) => r.cpuSecondsPer100k)),
    peakRssMiB: spread(mine.map((r) => r.peakRssBytes / 1024 / 1024)),
    requestsPer1000: spread(mine.map((r) => r.targetRequestsPer1000)),
    runs: mine.length,
    drainedRuns: mine.filter((r) => r.drained).length,
  };
}

export function latencySummary(results: readonly LatencyResult[], systemId: string) {
  const mine = results.filter((r) => r.systemId === systemId);
  return {
    p50Ms: spread(mine.map((r) => r.p50Ms)),
    p99Ms: spread(mine.map((r) => r.p99Ms)),
    runs: mine.length,
  };
}

/** The median msgs/s of system `id` on a workload; undefined when it was not measured. */
export function medianRate(run: BenchRun, id: string | undefined, workloadId: string): number | undefined {
  return id === undefined ? undefined : summarize(run.throughput, id, workloadId).msgsPerSec?.median;
}
