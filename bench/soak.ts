/**
 * `npm run bench:soak`: a long run of one bridge (the bundle, batch 100) to the local Lambda with the
 * 5 ms `sleep-5ms` function. nsqd's channel is kept topped up, so nsqd's memory stays bounded however
 * many messages go through. Every `intervalSec` the bridge's RSS and open descriptors (/proc), heap used
 * and event-loop delay p99 (its /metrics), CPU and msgs/s are sampled; at the end every message is accounted for. Writes
 * soak.csv, soak.svg, soak.json and soak.md to `--out`. See bench/README.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { buildBinariesStoppable, projectRoot } from '#dev/services/binaries';
import { freePort } from '#dev/services/ports';
import { type ManagedProcess, stopAllProcesses } from '#dev/services/process';
import { beginRun, cleanLeftovers, leftoversLine } from '#dev/services/run-records';
import { onStopSignals } from '#dev/services/stop-signals';
import { waitStable } from '#dev/services/wait';
import { countersFromMetrics } from '#dev/up/progress-metrics';
import { BenchNsqd, finishedOf, messageBody } from './bench-nsqd.ts';
import { buildBridgeBundle } from './bridge-bundle.ts';
import { processFigures } from './bridge-metrics.ts';
import { environmentInfo, loadAverage } from './environment.ts';
import { renderLineChart } from './line-chart.ts';
import { waitConnected } from './measure.ts';
import { readCpuSeconds, readMemoryUse, readOpenFds } from './proc.ts';
import type { BenchRun } from './results.ts';
import {
  accountFor,
  expectedRate,
  formatDuration,
  nextSampleAtMs,
  rateBetween,
  type SoakSample,
  samplesToCsv,
  soakVerdicts,
} from './soak-analysis.ts';
import { resolveSoakOptions, SOAK_DEFAULTS, type SoakOptions } from './soak-options.ts';
import { renderSoakReport, type SoakRun, soakChart } from './soak-report.ts';
import { bridgeNodeArgs, bridgeSystem, startConsumer } from './systems.ts';
import { startLocalLambdaTarget } from './targets.ts';

// measure.ts's waitConnected reads this topic and channel.
const TOPIC = 'bench';
const CHANNEL = 'bench';
const DEAD_LETTER_TOPIC = 'bench_dead';
const SYSTEM = bridgeSystem('b100', 'local-lambda', 'sleep-5ms');

function log(line: string): void {
  process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

async function scrape(metricsUrl: string): Promise<string> {
  const res = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`bridge /metrics answered ${res.status}`);
  return res.text();
}

async function bridgeCounters(metricsUrl: string) {
  const [row] = countersFromMetrics(await scrape(metricsUrl), ['bench']);
  return { handled: row?.finished ?? 0, deadLettered: row?.deadLettered ?? 0 };
}

async function soak(options: SoakOptions, command: string, isStopping: () => boolean): Promise<SoakRun> {
  const startedAt = new Date().toISOString();
  const loadStart = loadAverage();
  const bundle = options.bridgeFrom === 'bundle' ? await buildBridgeBundle() : undefined;
  let expectedSec: number | undefined;
  try {
    const saved = JSON.parse(
      readFileSync(join(projectRoot, 'docs/benchmarks/results.json'), 'utf8'),
    ) as BenchRun;
    const rate = expectedRate(saved, options.bodyBytes);
    if (rate) expectedSec = options.messages / rate;
  } catch {
    // no saved results: no estimate
  }
  log(
    `${options.messages.toLocaleString('en-US')} messages of ${options.bodyBytes} B; expected duration ${expectedSec === undefined ? 'unknown (no docs/benchmarks/results.json)' : `≈ ${formatDuration(expectedSec)} at the last full bench's batch-100 local-Lambda rate`}`,
  );
  const body = messageBody(options.bodyBytes);
  const nsqd = await BenchNsqd.start(options.backlog * 2);
  const target = await startLocalLambdaTarget({ unreservedConcurrency: 40 });
  let consumer: ManagedProcess | undefined;
  try {
    await nsqd.prepare(TOPIC, [CHANNEL], true);
    let published = Math.min(options.messages, options.backlog);
    await nsqd.publishBacklog(TOPIC, published, body);
    const httpPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${httpPort}/metrics`;
    consumer = startConsumer(SYSTEM, {
      nsqdTcpAddress: nsqd.tcpAddress,
      nsqdHttpAddress: nsqd.httpAddress,
      topic: TOPIC,
      channels: [CHANNEL],
      endpoint: target.endpoint,
      deadLetterTopic: DEAD_LETTER_TOPIC,
      bridgeHttpPort: httpPort,
      ...(bundle && { bridgeBundle: bundle }),
    });
    await waitConnected(nsqd, [CHANNEL], consumer);
    const pid = consumer.pid;
    const invocations0 = await target.requests();
    const bridge = `${bundle ? `\`node ${[...bridgeNodeArgs(), relative(projectRoot, bundle)].join(' ')}\`` : 'bridge/src/main.ts through tsx'}, maxMessages ${SYSTEM.batching.maxMessages}, maxWaitMs ${SYSTEM.batching.maxWaitMs}, maxConcurrentInvocations ${SYSTEM.batching.maxConcurrentInvocations}, maxInFlight ${SYSTEM.batching.maxInFlight}`;

    const t0 = Date.now();
    await nsqd.unpause(TOPIC, CHANNEL);
    let done = false;
    // Keep the channel between backlog/2 and backlog until every message is published.
    let feederError: unknown;
    const feeder = (async () => {
      while (!done && published < options.messages) {
        const f = await nsqd.channel(TOPIC, CHANNEL);
        if (f.depth < options.backlog / 2) {
          const n = Math.min(options.backlog - f.depth, options.messages - published);
          await nsqd.publishBacklog(TOPIC, n, body);
          published += n;
        } else await sleep(100);
      }
    })().catch((err: unknown) => {
      feederError = err; // the sampling loop stops the run with it
    });
    const samples: SoakSample[] = [];
    let previous = { elapsedSec: 0, finished: 0 };
    const cpu0 = readCpuSeconds(pid);
    const deadline = t0 + options.maxMinutes * 60_000;
    const intervalMs = options.intervalSec * 1000;
    let dueAt = nextSampleAtMs(t0, intervalMs, t0);
    const sample = async (): Promise<number> => {
      const f = await nsqd.channel(TOPIC, CHANNEL);
      const now = { elapsedSec: (Date.now() - t0) / 1000, finished: finishedOf(f) };
      // One scrape per sample: it closes the bridge's event-loop delay window, so the p99 covers this interval.
      const figures = processFigures(await scrape(metricsUrl).catch(() => ''));
      const s: SoakSample = {
        ...now,
        msgsPerSec: rateBetween(previous, now),
        rssBytes: readMemoryUse(pid).rssBytes,
        heapUsedBytes: figures.heapUsedBytes,
        heapAfterFullGcBytes: figures.heapAfterFullGcBytes,
        openFds: readOpenFds(pid),
        eventLoopDelayP99Ms: figures.eventLoopDelayP99Ms,
        cpuSeconds: readCpuSeconds(pid) - cpu0,
      };
      samples.push(s);
      previous = now;
      const left = options.messages - s.finished;
      const avg = s.finished / Math.max(s.elapsedSec, 1e-3);
      log(
        `${formatDuration(s.elapsedSec)}: ${s.finished.toLocaleString('en-US')} done (${((s.finished / options.messages) * 100).toFixed(1)} %), ${Math.round(s.msgsPerSec)} msgs/s, RSS ${(s.rssBytes / 2 ** 20).toFixed(0)} MiB, heap ${s.heapUsedBytes === undefined ? '–' : (s.heapUsedBytes / 2 ** 20).toFixed(0)} MiB (${s.heapAfterFullGcBytes === undefined ? '–' : (s.heapAfterFullGcBytes / 2 ** 20).toFixed(0)} after full GC), ${s.openFds} fds, loop p99 ${s.eventLoopDelayP99Ms?.toFixed(1) ?? '–'} ms, ETA ${avg > 0 ? formatDuration(left / avg) : '–'}`,
      );
      return s.finished;
    };
    let finished = 0;
    while (finished < options.messages && Date.now() < deadline && !isStopping()) {
      if (!consumer.running)
        throw new Error(`the bridge exited during the soak:\n${consumer.output().slice(-4000)}`);
      if (feederError !== undefined) throw new Error('publishing to nsqd failed', { cause: feederError });
      if (Date.now() >= dueAt) {
        finished = await sample();
        dueAt = nextSampleAtMs(t0, intervalMs, Date.now());
      } else {
        await sleep(Math.min(200, dueAt - Date.now()));
        finished = finishedOf(await nsqd.channel(TOPIC, CHANNEL));
      }
    }
    const cutShort = finished < options.messages;
    if (samples.at(-1)?.finished !== finished || finished === 0) await sample();
    done = true;
    await feeder;
    // Nothing more is delivered (a run cut short leaves its backlog); what is in flight finishes.
    await nsqd.pause(TOPIC, CHANNEL);
    // The bridge's counters and nsqd's FIN count move at slightly different moments: wait for them to hold still.
    const counters = await waitStable(() => bridgeCounters(metricsUrl), {
      what: 'the bridge counters to settle',
      quietMs: 1_000,
      timeoutMs: 30_000,
    });
    const deadLetterTopicCount = await nsqd.topicMessageCount(DEAD_LETTER_TOPIC);
    if (deadLetterTopicCount !== counters.deadLettered)
      log(`the dead-letter topic holds ${deadLetterTopicCount}, the bridge counted ${counters.deadLettered}`);
    // What nsqd still holds, the same across a quiet second (one poll can fall between its lists).
    const leftInNsqd = await waitStable(
      async () => {
        const c = await nsqd.channel(TOPIC, CHANNEL);
        return c.depth + c.inFlight + c.deferred;
      },
      { what: "nsqd's channel to settle", quietMs: 1_000, timeoutMs: 30_000 },
    );
    const invocations = (await target.requests()) - invocations0;
    const peakRssBytes = readMemoryUse(pid).peakRssBytes;
    const cpuSeconds = readCpuSeconds(pid) - cpu0;
    await consumer.stop('SIGTERM', 20_000);
    const accounting = accountFor({
      published,
      handled: counters.handled,
      deadLettered: counters.deadLettered,
      leftInNsqd,
    });
    return {
      startedAt,
      finishedAt: new Date().toISOString(),
      command,
      options,
      bridge,
      ...(expectedSec !== undefined && { expectedSec }),
      samples,
      accounting,
      verdicts: soakVerdicts(samples, accounting),
      cutShort,
      ...(counters.handled > 0 && {
        figures: {
          bodyBytes: options.bodyBytes,
          cpuSecondsPer100k: (cpuSeconds / counters.handled) * 100_000,
          invocationsPer1000: (invocations / counters.handled) * 1000,
          peakRssBytes,
        },
      }),
      environment: environmentInfo(loadStart),
    };
  } finally {
    if (consumer?.running) await consumer.stop('SIGKILL');
    await target.close();
    await nsqd.dispose();
  }
}

function writeOutputs(run: SoakRun): void {
  const dir = resolve(projectRoot, run.options.out);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'soak.csv'), samplesToCsv(run.samples));
  writeFileSync(join(dir, 'soak.svg'), renderLineChart(soakChart(run)));
  writeFileSync(join(dir, 'soak.json'), `${JSON.stringify(run, null, 2)}\n`);
  const report = renderSoakReport(run, 'soak.svg', 'soak.csv');
  writeFileSync(join(dir, 'soak.md'), report);
  process.stdout.write(`${report}\n`);
  log(`wrote ${relative(projectRoot, dir)}/soak.{csv,svg,json,md}`);
}

async function main(): Promise<void> {
  const program = new Command('bench:soak')
    .description('Send many messages through the bridge and sample its memory, descriptors and speed')
    .option('--messages <n>', `messages to send (default ${SOAK_DEFAULTS.messages})`)
    .option('--body-bytes <n>', `message size (default ${SOAK_DEFAULTS.bodyBytes})`)
    .option('--interval-sec <s>', `seconds between samples (default ${SOAK_DEFAULTS.intervalSec})`)
    .option('--max-minutes <m>', `stop after this long (default ${SOAK_DEFAULTS.maxMinutes})`)
    .option('--backlog <n>', `messages kept in nsqd's channel (default ${SOAK_DEFAULTS.backlog})`)
    .option('--out <dir>', `where soak.{csv,svg,json,md} go (default ${SOAK_DEFAULTS.out})`)
    .option('--bridge-from <bundle|source>', `what runs (default ${SOAK_DEFAULTS.bridgeFrom})`)
    .option('--render <soak.json>', 'only re-render the CSV, chart and report of a saved soak (beside it)')
    .parse();
  const rendering = program.opts<{ render?: string }>().render;
  if (rendering) {
    const saved = JSON.parse(readFileSync(resolve(projectRoot, rendering), 'utf8')) as SoakRun;
    writeOutputs({ ...saved, options: { ...saved.options, out: dirname(resolve(projectRoot, rendering)) } });
    return;
  }
  let options: SoakOptions;
  try {
    options = resolveSoakOptions(program.opts());
  } catch (err) {
    log(err instanceof Error ? err.message : String(err));
    process.exit(2);
  }
  process.env.NSQ_LAMBDA_SERVICES_OWN_PROCESS_GROUP = '1';
  let stopping = false;
  onStopSignals({
    stop(signal) {
      stopping = true;
      log(`${signal}: stopping the soak and everything it started...`);
      void stopAllProcesses().finally(() => process.exit(128 + constants.signals[signal]));
    },
    stopNow(signal) {
      void stopAllProcesses(0).finally(() => process.exit(128 + constants.signals[signal]));
    },
  });
  const leftovers = leftoversLine(await cleanLeftovers());
  if (leftovers) log(leftovers);
  const run = beginRun();
  try {
    await buildBinariesStoppable().done;
    const command = `npm run bench:soak${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
    writeOutputs(await soak(options, command, () => stopping));
  } finally {
    await stopAllProcesses();
    if (!stopping) run.end();
  }
}

main().catch(async (err: unknown) => {
  log(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await stopAllProcesses();
  process.exit(1);
});
