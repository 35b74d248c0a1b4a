/**
 * The benchmark's results model, the per-system summaries (median, min, max over rounds) and the
 * issue's targets judged against them: met, not met, or not measured. Pure.
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

/**
 * `out of reach`: not met, and the Lambda floor (bench/consumers/forwarder.ts with BENCH_FORWARD_AS=lambda:
 * nothing but the JSON event and the SHA-256 that the Invoke API needs) misses the same target in the
 * same run: no bridge can meet it on this machine.
 */
export type Verdict = 'met' | 'not met' | 'out of reach' | 'not measured';

/** The id of the floor that does only what calling the Lambda Invoke API requires. */
export const LAMBDA_FLOOR_ID = 'forwarder-lambda-b100';

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly verdict: Verdict;
}

const fmt = (v: number, digits = 3) => Number(v.toPrecision(digits)).toLocaleString('en-US');

function median(s: Spread | undefined): number | undefined {
  return s?.median;
}

/**
 * The issue's targets, judged on the medians of this run. Each bridge-vs-peer ratio is judged for
 * both Invoke targets (the local Lambda and the bare responder) on the 200 B workload.
 */
/** The median msgs/s of system `id` on a workload; undefined when it was not measured. */
export function medianRate(run: BenchRun, id: string | undefined, workloadId: string): number | undefined {
  return id === undefined ? undefined : median(summarize(run.throughput, id, workloadId).msgsPerSec);
}

export function evaluateTargets(run: BenchRun): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const small = run.workloads[0]?.id ?? 'small';
  // The ratios on the first workload (200 B) first, the others after.
  for (const workload of run.workloads) {
    const rate = (id: string | undefined) => medianRate(run, id, workload.id);
    const nsqToHttp = rate(run.systems.find((s) => s.kind === 'nsq_to_http')?.id);
    const nsqjs = rate(run.systems.find((s) => s.id === 'nsqjs')?.id);
    const floor = rate(LAMBDA_FLOOR_ID);
    const suffix = workload.id === small ? '' : `, ${workload.label}`;
    /** A miss, told apart by whether the Lambda floor makes the same ratio. */
    const miss = (floorMeets: boolean | undefined, floorText: string): { verdict: Verdict; note: string } =>
      floorMeets === false
        ? { verdict: 'out of reach', note: `; the Lambda floor itself makes only ${floorText}` }
        : { verdict: 'not met', note: floorMeets ? `; the Lambda floor makes ${floorText}` : '' };
    for (const target of ['local-lambda', 'responder'] as const) {
      const bridge = rate(`bridge-b100-${target}`);
      const where = `${target === 'responder' ? 'bare responder' : 'local Lambda'}${suffix}`;
      const timesTarget = `batch 100 (${where}) ≥ 5× nsq_to_http msgs/s`;
      if (bridge === undefined || nsqToHttp === undefined) {
        checks.push({ target: timesTarget, measured: '–', verdict: 'not measured' });
      } else {
        const ratio = bridge / nsqToHttp;
        const measured = `${fmt(bridge)} vs ${fmt(nsqToHttp)} msgs/s = ${ratio.toFixed(2)}×`;
        if (ratio >= 5) checks.push({ target: timesTarget, measured, verdict: 'met' });
        else {
          const floorRatio = floor === undefined ? undefined : floor / nsqToHttp;
          const { verdict, note } = miss(
            floorRatio === undefined ? undefined : floorRatio >= 5,
            `${floorRatio?.toFixed(2)}×`,
          );
          checks.push({ target: timesTarget, measured: `${measured}${note}`, verdict });
        }
      }
      const shareTarget = `batch 100 (${where}) ≥ 60 % of the bare nsqjs reader`;
      if (bridge === undefined || nsqjs === undefined) {
        checks.push({ target: shareTarget, measured: '–', verdict: 'not measured' });
      } else {
        const share = bridge / nsqjs;
        const measured = `${fmt(bridge)} vs ${fmt(nsqjs)} msgs/s = ${(share * 100).toFixed(0)} %`;
        if (share >= 0.6) checks.push({ target: shareTarget, measured, verdict: 'met' });
        else {
          const floorShare = floor === undefined ? undefined : floor / nsqjs;
          const { verdict, note } = miss(
            floorShare === undefined ? undefined : floorShare >= 0.6,
            `${((floorShare ?? 0) * 100).toFixed(0)} %`,
          );
          checks.push({ target: shareTarget, measured: `${measured}${note}`, verdict });
        }
      }
    }
  }
  const invocations = median(summarize(run.throughput, 'bridge-b100-local-lambda', small).requestsPer1000);
  checks.push(
    invocations === undefined
      ? { target: 'invocations per 1,000 messages at batch 100 ≤ 11', measured: '–', verdict: 'not measured' }
      : {
          target: 'invocations per 1,000 messages at batch 100 ≤ 11',
          measured: `${fmt(invocations)} (local Lambda, 200 B)`,
          verdict: invocations <= 11 ? 'met' : 'not met',
        },
  );
  const inflight = run.inflight[0];
  if (!inflight) {
    checks.push({
      target: 'peak RSS ≤ 200 MB with 10,000 in flight',
      measured: '–',
      verdict: 'not measured',
    });
  } else {
    const mb = inflight.peakRssBytes / 1e6;
    const reached = inflight.maxInFlight >= 10_000;
    checks.push({
      target: 'peak RSS ≤ 200 MB with 10,000 in flight',
      measured: `peak ${fmt(mb)} MB (VmHWM over the run); ${inflight.rssAtThresholdBytes === undefined ? 'not sampled at 10,000 in flight' : `${fmt(inflight.rssAtThresholdBytes / 1e6)} MB at most while 10,000 were in flight`}; ${inflight.maxInFlight.toLocaleString('en-US')} in flight at most`,
      verdict: !reached ? 'not measured' : mb <= 200 ? 'met' : 'not met',
    });
  }
  // Added latency: the bridge's p99 minus the p99 of a bare nsqjs reader with the same nsqd output
  // buffering (output_buffer_timeout), both publish→FIN as nsqd measures it.
  const target = `low-load added p99 publish→FIN ≤ maxWaitMs + 10 ms (${run.latencyMaxWaitMs + 10} ms)`;
  const bridgeP99 = median(latencySummary(run.latency, 'bridge-auto-responder').p99Ms);
  const baselineP99 = median(latencySummary(run.latency, run.latencyBaselineId).p99Ms);
  if (bridgeP99 === undefined || baselineP99 === undefined) {
    checks.push({ target, measured: '–', verdict: 'not measured' });
  } else {
    const added = bridgeP99 - baselineP99;
    checks.push({
      target,
      measured: `${fmt(added)} ms added: bridge auto → responder p99 ${fmt(bridgeP99)} ms, bare reader with the same output buffering p99 ${fmt(baselineP99)} ms`,
      verdict: added <= run.latencyMaxWaitMs + 10 ? 'met' : 'not met',
    });
  }
  const throttled = run.throttled[0];
  if (!throttled) {
    checks.push({
      target: 'throttled run: ≤ 1.05 attempts per message, none lost',
      measured: '–',
      verdict: 'not measured',
    });
  } else {
    // Lost: dead-lettered instead of processed, or never finished.
    const unfinished = throttled.messages - throttled.finished;
    const lost = throttled.deadLettered + unfinished;
    checks.push({
      target: 'throttled run: ≤ 1.05 attempts per message, none lost',
      measured: `${throttled.attemptsPerMessage.toFixed(3)} attempts/message; ${throttled.deadLettered} dead-lettered, ${unfinished} unfinished; ${throttled.throttles.toLocaleString('en-US')} throttles (429)`,
      verdict: throttled.attemptsPerMessage <= 1.05 && lost === 0 ? 'met' : 'not met',
    });
  }
  return checks;
}
