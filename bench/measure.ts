/**
 * One measurement ("trial"): a fresh nsqd, the workload's backlog published into a paused channel,
 * the consumer started and connected with RDY > 0, then the channel unpaused and timed until every
 * message is finished (FIN) or the time cap passes. CPU and peak RSS come from /proc of the consumer,
 * Lambda invocations from the target's counter, requeues and timeouts from nsqd.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ManagedProcess } from '#dev/services/process';
import { waitFor } from '#dev/services/wait';
import { BenchNsqd, type ChannelFigures, finishedOf, messageBody } from './bench-nsqd.ts';
import type { CpuProfile } from './cpu-profile.ts';
import { readCpuSeconds, readMemoryUse } from './proc.ts';
import { type ConsumerContext, type SystemSpec, startConsumer } from './systems.ts';
import type { BenchTarget } from './targets.ts';

export interface Workload {
  readonly id: string;
  readonly label: string;
  readonly messages: number;
  readonly bodyBytes: number;
}

export interface ThroughputResult {
  readonly systemId: string;
  readonly workloadId: string;
  readonly round: number;
  readonly messages: number;
  /** Messages FINished within the measurement. */
  readonly finished: number;
  /** True when the whole backlog was finished before the time cap. */
  readonly drained: boolean;
  readonly elapsedMs: number;
  readonly msgsPerSec: number;
  readonly cpuSeconds: number;
  readonly cpuSecondsPer100k: number;
  /**
   * CPU of the benchmark process itself in the window: the in-process targets (HTTP endpoint, responder;
   * not the local Lambda's workers) and the /stats polling. Shows when a target, not the consumer, is busy.
   */
  readonly benchProcessCpuSeconds: number;
  readonly peakRssBytes: number;
  /** Requests the target served during the measurement (Invokes or POSTs). */
  readonly targetRequests: number;
  readonly targetRequestsPer1000: number;
  readonly throttles: number;
  readonly requeues: number;
  readonly timeouts: number;
  /** Deliveries per finished message: (messages + requeues + timeouts) / messages. */
  readonly attemptsPerMessage: number;
  /** Largest in-flight count (summed over channels) seen while polling. */
  readonly maxInFlight: number;
  /** Largest RSS sampled while at least `inFlightThreshold` messages were in flight (when asked for). */
  readonly rssAtThresholdBytes?: number;
  /** Messages written to the dead-letter topic. */
  readonly deadLettered: number;
}

export interface LatencyResult {
  readonly systemId: string;
  readonly round: number;
  readonly messages: number;
  readonly ratePerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

const TOPIC = 'bench';
const DEAD_LETTER_TOPIC = 'bench_dead';

export interface TrialOptions {
  /** Stop measuring after this long even if the backlog is not finished. */
  readonly maxSeconds: number;
  /** How often nsqd's /stats is polled. @default 20 */
  readonly pollMs?: number;
  /** Sample the consumer's RSS while at least this many messages are in flight. */
  readonly inFlightThreshold?: number;
  /** Subscribe this many channels of the topic (each gets the whole backlog). @default 1 */
  readonly channels?: number;
  /** Run the consumer under `--cpu-prof` (bridge only) and return the profile. */
  readonly cpuProfile?: boolean;
  /** The bridge bundle to run; unset runs the TypeScript sources through tsx. */
  readonly bridgeBundle?: string;
  readonly log?: (line: string) => void;
}

function channelNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? 'bench' : `bench${i + 1}`));
}

async function sumFigures(nsqd: BenchNsqd, channels: readonly string[], withClients = false) {
  const all = await Promise.all(channels.map((c) => nsqd.channel(TOPIC, c, withClients)));
  const sum = (f: (c: ChannelFigures) => number) => all.reduce((n, c) => n + f(c), 0);
  return {
    finished: sum(finishedOf),
    inFlight: sum((c) => c.inFlight),
    depth: sum((c) => c.depth),
    requeues: sum((c) => c.requeues),
    timeouts: sum((c) => c.timeouts),
    messageCount: sum((c) => c.messageCount),
    clients: sum((c) => c.clients),
    readyCount: sum((c) => c.readyCount),
    channels: all,
  };
}

/** Waits until the consumer is connected to every channel with RDY > 0 (fails if it exits first). */
export async function waitConnected(
  nsqd: BenchNsqd,
  channels: readonly string[],
  consumer: ManagedProcess,
): Promise<void> {
  await waitFor(
    async () => {
      if (!consumer.running)
        throw new Error(`${consumer.name} exited before connecting:\n${consumer.output().slice(-4000)}`);
      const all = await Promise.all(channels.map((c) => nsqd.channel(TOPIC, c, true)));
      return all.every((c) => c.clients > 0 && c.readyCount > 0);
    },
    { what: `${consumer.name} connected with RDY > 0`, timeoutMs: 90_000, intervalMs: 50 },
  );
}

async function stopConsumer(consumer: ManagedProcess): Promise<void> {
  await consumer.stop('SIGTERM', 20_000);
}

/** Measures one system draining one backlog. */
export async function runThroughputTrial(
  system: SystemSpec,
  workload: Workload,
  round: number,
  target: BenchTarget | undefined,
  options: TrialOptions,
): Promise<{ result: ThroughputResult; profile?: CpuProfile; measuredFromMs?: number }> {
  const channels = channelNames(options.channels ?? 1);
  const began = performance.now();
  const phase = (what: string) =>
    process.env.BENCH_DEBUG && options.log?.(`  ${what} at +${Math.round(performance.now() - began)} ms`);
  const nsqd = await BenchNsqd.start(workload.messages * channels.length + 1_000);
  phase('nsqd started');
  const profileDir = options.cpuProfile ? mkdtempSync(join(tmpdir(), 'bench-prof-')) : undefined;
  let consumer: ManagedProcess | undefined;
  try {
    await nsqd.prepare(TOPIC, channels, true);
    await nsqd.publishBacklog(TOPIC, workload.messages, messageBody(workload.bodyBytes));
    await waitFor(
      async () => {
        const f = await sumFigures(nsqd, channels);
        return f.depth === workload.messages * channels.length;
      },
      { what: 'the backlog in the channel', timeoutMs: 60_000, intervalMs: 50 },
    );
    const ctx: ConsumerContext = {
      nsqdTcpAddress: nsqd.tcpAddress,
      nsqdHttpAddress: nsqd.httpAddress,
      topic: TOPIC,
      channels,
      endpoint: target?.endpoint,
      deadLetterTopic: DEAD_LETTER_TOPIC,
      ...(profileDir && { cpuProfileDir: profileDir }),
      ...(options.bridgeBundle && { bridgeBundle: options.bridgeBundle }),
    };
    phase('backlog published');
    const spawnedAt = performance.now();
    consumer = startConsumer(system, ctx);
    await waitConnected(nsqd, channels, consumer);
    phase('consumer connected');

    const total = workload.messages * channels.length;
    const cpu0 = readCpuSeconds(consumer.pid);
    const ownCpu0 = process.cpuUsage();
    const requests0 = (await target?.requests()) ?? 0;
    const throttles0 = target?.throttles() ?? 0;
    const t0 = performance.now();
    await Promise.all(channels.map((c) => nsqd.unpause(TOPIC, c)));
    const deadline = t0 + options.maxSeconds * 1000;
    const pollMs = options.pollMs ?? 20;
    let figures = await sumFigures(nsqd, channels);
    let maxInFlight = figures.inFlight;
    let rssAtThreshold: number | undefined;
    let t1 = performance.now();
    while (figures.finished < total && t1 < deadline) {
      if (!consumer.running)
        throw new Error(`${consumer.name} exited during the measurement:\n${consumer.output().slice(-4000)}`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      figures = await sumFigures(nsqd, channels);
      maxInFlight = Math.max(maxInFlight, figures.inFlight);
      if (options.inFlightThreshold !== undefined && figures.inFlight >= options.inFlightThreshold)
        rssAtThreshold = Math.max(rssAtThreshold ?? 0, readMemoryUse(consumer.pid).rssBytes);
      t1 = performance.now();
    }
    const cpuSeconds = readCpuSeconds(consumer.pid) - cpu0;
    const ownCpu = process.cpuUsage(ownCpu0);
    const memory = readMemoryUse(consumer.pid);
    const targetRequests = ((await target?.requests()) ?? 0) - requests0;
    const throttles = (target?.throttles() ?? 0) - throttles0;
    const elapsedMs = t1 - t0;
    const finished = figures.finished;
    phase('measured');
    await stopConsumer(consumer);
    phase('consumer stopped');
    const deadLettered = await nsqd.topicMessageCount(DEAD_LETTER_TOPIC);
    const after = await sumFigures(nsqd, channels);
    const result: ThroughputResult = {
      systemId: system.id,
      workloadId: workload.id,
      round,
      messages: total,
      finished,
      drained: finished >= total,
      elapsedMs,
      msgsPerSec: finished / (elapsedMs / 1000),
      cpuSeconds,
      cpuSecondsPer100k: finished > 0 ? (cpuSeconds / finished) * 100_000 : Number.NaN,
      benchProcessCpuSeconds: (ownCpu.user + ownCpu.system) / 1e6,
      peakRssBytes: memory.peakRssBytes,
      targetRequests,
      targetRequestsPer1000: finished > 0 ? (targetRequests / finished) * 1000 : Number.NaN,
      throttles,
      requeues: after.requeues,
      timeouts: after.timeouts,
      attemptsPerMessage:
        (after.messageCount + after.requeues + after.timeouts) / Math.max(1, after.messageCount),
      maxInFlight,
      ...(rssAtThreshold !== undefined && { rssAtThresholdBytes: rssAtThreshold }),
      deadLettered,
    };
    if (profileDir) {
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) {
        const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
        return { result, profile, measuredFromMs: t0 - spawnedAt };
      }
      options.log?.(`no .cpuprofile written by ${consumer.name} (did it exit cleanly on SIGTERM?)`);
    }
    return { result };
  } finally {
    if (consumer?.running) await consumer.stop('SIGKILL');
    await nsqd.dispose();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  }
}

/** Measures publish→FIN latency at a low, steady publish rate (nsqd's own e2e percentiles). */
export async function runLatencyTrial(
  system: SystemSpec,
  round: number,
  target: BenchTarget | undefined,
  options: { messages: number; ratePerSec: number; bodyBytes: number; bridgeBundle?: string },
): Promise<LatencyResult> {
  const channels = channelNames(1);
  const nsqd = await BenchNsqd.start(options.messages + 1_000);
  let consumer: ManagedProcess | undefined;
  try {
    await nsqd.prepare(TOPIC, channels, false);
    consumer = startConsumer(system, {
      nsqdTcpAddress: nsqd.tcpAddress,
      nsqdHttpAddress: nsqd.httpAddress,
      topic: TOPIC,
      channels,
      endpoint: target?.endpoint,
      deadLetterTopic: DEAD_LETTER_TOPIC,
      ...(options.bridgeBundle && { bridgeBundle: options.bridgeBundle }),
    });
    await waitConnected(nsqd, channels, consumer);
    const body = messageBody(options.bodyBytes);
    const start = performance.now();
    const intervalMs = 1000 / options.ratePerSec;
    for (let i = 0; i < options.messages; i++) {
      const wait = start + i * intervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await nsqd.publish(TOPIC, body);
    }
    const figures = await waitFor(
      async () => {
        const f = await nsqd.channel(TOPIC, 'bench');
        return finishedOf(f) >= options.messages ? f : undefined;
      },
      { what: 'every paced message finished', timeoutMs: 60_000, intervalMs: 50 },
    );
    await stopConsumer(consumer);
    return {
      systemId: system.id,
      round,
      messages: options.messages,
      ratePerSec: options.ratePerSec,
      p50Ms: figures.e2eMs.get(0.5) ?? Number.NaN,
      p99Ms: figures.e2eMs.get(0.99) ?? Number.NaN,
      samples: figures.e2eCount,
    };
  } finally {
    if (consumer?.running) await consumer.stop('SIGKILL');
    await nsqd.dispose();
  }
}
