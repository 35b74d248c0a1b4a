/**
 * `npm run bench`: the bridge side by side with nsq_to_http and a bare nsqjs reader, in one run on
 * this machine, written to docs/BENCHMARKS.md with a chart in docs/benchmarks/. See bench/README.md
 * and `npm run bench -- --help`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { buildBinariesStoppable, projectRoot } from '#dev/services/binaries';
import { stopAllProcesses } from '#dev/services/process';
import { beginRun, cleanLeftovers, leftoversLine } from '#dev/services/run-records';
import { onStopSignals } from '#dev/services/stop-signals';
import { buildBridgeBundle, bundleFrameMapper } from './bridge-bundle.ts';
import { renderBarChart } from './chart.ts';
import { type ProfileSummary, summarizeCpuProfile } from './cpu-profile.ts';
import { environmentInfo, loadAverage } from './environment.ts';
import {
  type LatencyResult,
  runLatencyTrial,
  runThroughputTrial,
  type ThroughputResult,
  type TrialOptions,
  type Workload,
} from './measure.ts';
import {
  type BenchOptions,
  envName,
  PRESETS,
  renderOptions,
  resolveOptions,
  type Section,
} from './options.ts';
import { cpuChart, cpuChartPath, renderReport, throughputChart } from './report.ts';
import type { BenchRun, SystemInfo } from './results.ts';
import { renderSoakReport, type SoakRun } from './soak-report.ts';
import {
  BRIDGE_BATCHINGS,
  bridgeNodeArgs,
  bridgeOutputBufferTimeoutMs,
  bridgeSystem,
  forwarderSystem,
  nsqjsSystem,
  nsqToHttpSystem,
  type SystemSpec,
  type TargetKind,
  targetOf,
} from './systems.ts';
import {
  type BenchTarget,
  startEdgeResponderTarget,
  startHttpSink,
  startLocalLambdaTarget,
  startResponderTarget,
} from './targets.ts';

const NSQ_TO_HTTP_CANDIDATES: ReadonlyArray<readonly [number, number]> = [
  [100, 200],
  [200, 500],
  [400, 1_000],
  [50, 100],
];

const LATENCY_MAX_WAIT_MS = BRIDGE_BATCHINGS.auto?.maxWaitMs ?? 20;

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function describe(s: SystemSpec, bundled: boolean): SystemInfo {
  switch (s.kind) {
    case 'bridge': {
      const b = s.batching;
      return {
        id: s.id,
        label: s.label,
        kind: 'bridge',
        settings: `${bundled ? `the bundle of \`bridge/src/main.ts\` (\`node ${[...bridgeNodeArgs(), 'bridge.mjs'].join(' ')}\`)` : '`bridge/src/main.ts` through tsx'}, ${s.target === 'workerd' ? `an HTTP target (every request signed) to workerd running \`bench/functions/${s.functionName}\`` : `function \`${s.functionName}\``}, maxMessages ${b.maxMessages}, maxWaitMs ${b.maxWaitMs}, maxConcurrentInvocations ${b.maxConcurrentInvocations}, maxInFlight ${b.maxInFlight}`,
      };
    }
    case 'nsq_to_http':
      return {
        id: s.id,
        label: s.label,
        kind: 'nsq_to_http',
        settings: `nsq_to_http v1.3.0 \`-n ${s.handlers} --max-in-flight ${s.maxInFlight} --status-every 0\`, POST to the HTTP endpoint (best of the tuning below)`,
      };
    case 'forwarder':
      return {
        id: s.id,
        label: s.label,
        kind: 'forwarder',
        settings: `\`bench/consumers/forwarder.ts\` (BENCH_FORWARD_AS=${s.forwardAs}): nsqjs Reader, maxInFlight ${s.maxInFlight}; ${s.batch} messages (or what came in 20 ms) in one keep-alive POST to the HTTP endpoint, up to ${s.concurrency} at once, FIN on 2xx; ${s.forwardAs === 'raw' ? 'the bare bodies concatenated: the floor for any forwarder' : 'a JSON event of base64 bodies and its SHA-256 (sent as x-amz-content-sha256): the floor for anything that calls the Lambda Invoke API'}. No SDK, results, attempts, touch or metrics`,
      };
    case 'nsqjs':
      return {
        id: s.id,
        label: s.label,
        kind: 'nsqjs',
        settings: `\`bench/consumers/nsqjs-reader.ts\`: nsqjs Reader, maxInFlight ${s.maxInFlight}, \`msg.finish()\` in the message handler${s.outputBufferTimeoutMs === undefined ? '' : `, output_buffer_timeout ${s.outputBufferTimeoutMs} ms`}`,
      };
  }
}

function wanted(options: BenchOptions, s: SystemSpec): boolean {
  return options.systems.length === 0 || options.systems.some((f) => s.id.includes(f));
}

class Targets {
  readonly #started = new Map<TargetKind, BenchTarget>();
  readonly #extra: BenchTarget[] = [];

  async get(kind: TargetKind | undefined): Promise<BenchTarget | undefined> {
    if (kind === undefined) return undefined;
    let target = this.#started.get(kind);
    if (!target) {
      log(`starting the ${kind} target`);
      target =
        kind === 'http-sink'
          ? await startHttpSink()
          : kind === 'responder'
            ? await startResponderTarget()
            : kind === 'workerd'
              ? await startEdgeResponderTarget()
              : await startLocalLambdaTarget({ unreservedConcurrency: 40 });
      this.#started.set(kind, target);
    }
    return target;
  }

  async responderWithDelay(delayMs: number): Promise<BenchTarget> {
    const target = await startResponderTarget(delayMs);
    this.#extra.push(target);
    return target;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#started.values(), ...this.#extra].map((t) => t.close()));
  }
}

/** The soak's section (`npm run bench:soak -- --out <the results' directory>`), linked from the report's directory. */
function soakSections(resultsPath: string, outPath: string): string[] {
  const soakJson = join(dirname(resultsPath), 'soak.json');
  if (!existsSync(soakJson))
    return [
      [
        '## Soak (`npm run bench:soak`)',
        '',
        `No soak beside these results. \`npm run bench:soak -- --out ${relative(projectRoot, dirname(resultsPath))}\` sends a million 1 KiB messages through the bridge and writes its samples and chart there; re-rendering this page (\`npm run bench -- --render ${relative(projectRoot, resultsPath)}\`) then adds them here.`,
      ].join('\n'),
    ];
  const soak = JSON.parse(readFileSync(soakJson, 'utf8')) as SoakRun;
  const link = (file: string) => relative(dirname(outPath), join(dirname(resultsPath), file));
  return [renderSoakReport(soak, link('soak.svg'), link('soak.csv'))];
}

/**
 * Writes the chart, the CPU chart, the raw results and the report where the run's options say
 * (`writeResults` false when re-rendering: the results are the input).
 */
function writeOutputs(run: BenchRun, writeResults = true): void {
  const outPath = resolve(projectRoot, run.options.out);
  const chartPath = resolve(projectRoot, run.options.chart);
  const resultsPath = resolve(projectRoot, run.options.results);
  for (const p of [outPath, chartPath, resultsPath]) mkdirSync(dirname(p), { recursive: true });
  writeFileSync(chartPath, renderBarChart(throughputChart(run)));
  writeFileSync(cpuChartPath(chartPath), renderBarChart(cpuChart(run)));
  if (writeResults) writeFileSync(resultsPath, `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(
    outPath,
    renderReport(
      { ...run, options: { ...run.options, results: relative(dirname(outPath), resultsPath) } },
      relative(dirname(outPath), chartPath),
      soakSections(resultsPath, outPath),
    ),
  );
  log(
    `wrote ${relative(projectRoot, outPath)}, ${relative(projectRoot, chartPath)} (+ -cpu.svg)${writeResults ? `, ${relative(projectRoot, resultsPath)}` : ` from ${relative(projectRoot, resultsPath)}`}`,
  );
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description(
      'Benchmark the bridge against nsq_to_http and a bare nsqjs reader on this machine; writes docs/BENCHMARKS.md',
    )
    .option(
      '--quick',
      `a smoke run in under 2 minutes, written to .cache/bench/ (env ${envName('quick')}=1)`,
    );
  for (const key of Object.keys(PRESETS.full)) {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} <value>`;
    program.option(
      flag,
      `full: ${String(PRESETS.full[key as keyof typeof PRESETS.full])}, quick: ${String(PRESETS.quick[key as keyof typeof PRESETS.quick])} (env ${envName(key)})`,
    );
  }
  program
    .option(
      '--systems <ids>',
      'comma-separated substrings of system ids to keep, e.g. bridge-b100,nsqjs (env BENCH_SYSTEMS)',
    )
    .option(
      '--skip <sections>',
      `comma-separated sections to leave out: tuning,throughput,latency,throttled,inflight,profile (env BENCH_SKIP)`,
    )
    .option(
      '--render <results.json>',
      'only re-render the report and charts from a saved results.json (to --out and --chart if given; the charts go beside --out when only it is)',
    )
    .parse();
  const flags = program.opts<{ render?: string; out?: string; chart?: string }>();
  if (flags.render) {
    const saved = JSON.parse(readFileSync(flags.render, 'utf8')) as BenchRun;
    writeOutputs({ ...saved, options: renderOptions(saved.options, flags, flags.render) }, false);
    return;
  }
  const options = resolveOptions(program.opts());
  // Everything it starts is recorded, dies with it, and stops (in order) on the first stop signal.
  process.env.NSQ_LAMBDA_SERVICES_OWN_PROCESS_GROUP = '1';
  let stopping = false;
  let stopBuild: (() => void) | undefined;
  let closeTargets: () => Promise<void> = async () => {};
  let run: { end: () => void } | undefined;
  onStopSignals({
    stop(signal) {
      stopping = true;
      log(`${signal}: stopping the benchmark and everything it started...`);
      stopBuild?.();
      void closeTargets()
        .then(() => stopAllProcesses())
        .finally(() => {
          run?.end();
          log('stopped.');
          process.exit(128 + constants.signals[signal]);
        });
    },
    stopNow(signal) {
      log(`${signal} again: exiting at once`);
      void stopAllProcesses(0).finally(() => process.exit(128 + constants.signals[signal]));
    },
  });
  const leftovers = leftoversLine(await cleanLeftovers());
  if (leftovers) log(leftovers);
  run = beginRun();
  const build = buildBinariesStoppable();
  stopBuild = build.stop;
  await build.done.catch((err: unknown) => {
    if (!stopping) throw err;
  });
  stopBuild = undefined;
  if (stopping) return;
  const skip = (s: Section) => options.skip.includes(s);
  const startedAt = new Date();
  const loadStart = loadAverage();
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  log(`${options.preset} run: ${JSON.stringify(options)}`);

  const workloads: Workload[] = [
    {
      id: 'small',
      label: `${options.smallBytes} B`,
      messages: options.smallMessages,
      bodyBytes: options.smallBytes,
    },
    {
      id: 'large',
      label: `${options.largeBytes >= 1024 ? `${options.largeBytes / 1024} KiB` : `${options.largeBytes} B`}`,
      messages: options.largeMessages,
      bodyBytes: options.largeBytes,
    },
  ];
  const bridgeBundle = options.bridgeFrom === 'bundle' ? await buildBridgeBundle() : undefined;
  if (bridgeBundle)
    log(`bridge: ${relative(projectRoot, bridgeBundle)} (esbuild, as bridge/Dockerfile builds it)`);
  const trial: TrialOptions = { maxSeconds: options.maxSeconds, log, ...(bridgeBundle && { bridgeBundle }) };
  const targets = new Targets();
  closeTargets = () => targets.close();
  const failures: string[] = [];
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    // Once a stop signal came, start nothing new: the stop is taking everything down.
    if (stopping) return new Promise<never>(() => {});
    try {
      return await fn();
    } catch (err) {
      if (stopping) return new Promise<never>(() => {});
      const message =
        err instanceof Error
          ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`
          : String(err);
      log(`FAILED ${what}: ${message}`);
      failures.push(`${what}: ${message}`);
      return undefined;
    }
  };
  const show = (r: ThroughputResult) =>
    `${r.systemId} ${r.workloadId} r${r.round}: ${Math.round(r.msgsPerSec)} msgs/s, ${r.finished}/${r.messages} in ${(r.elapsedMs / 1000).toFixed(2)} s, CPU ${r.cpuSecondsPer100k.toFixed(2)} s/100k, RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB, ${r.targetRequestsPer1000.toFixed(1)} req/1000`;

  const registered = new Map<string, SystemSpec>();
  const register = (...specs: SystemSpec[]) => {
    for (const spec of specs) if (!registered.has(spec.id)) registered.set(spec.id, spec);
  };
  const tuning: ThroughputResult[] = [];
  const throughput: ThroughputResult[] = [];
  const latency: LatencyResult[] = [];
  const throttled: ThroughputResult[] = [];
  const inflight: ThroughputResult[] = [];
  const profiles: Array<{ systemId: string; workloadId: string; summary: ProfileSummary }> = [];
  let nsqToHttpChoice: string | undefined;
  const bridgeObtMs = bridgeOutputBufferTimeoutMs({
    nsqSource: readFileSync(join(projectRoot, 'bridge/src/nsq/nsq-source.ts'), 'utf8'),
    config: readFileSync(join(projectRoot, 'shared/config/bridge-config.ts'), 'utf8'),
  });
  const latencyBaselineId = nsqjsSystem(2_500, bridgeObtMs).id;
  const snapshot = (partial: boolean): BenchRun => ({
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command,
    options,
    environment: environmentInfo(loadStart),
    workloads,
    systems: [...registered.values()].map((s) => describe(s, bridgeBundle !== undefined)),
    tuning,
    ...(nsqToHttpChoice && { nsqToHttpChoice }),
    throughput,
    latency,
    latencyMaxWaitMs: LATENCY_MAX_WAIT_MS,
    latencyBaselineId,
    throttled,
    inflight,
    profiles,
    failures,
    ...(partial && { partial: true }),
  });
  /** Writes what is measured so far, so a run cut short still leaves its figures behind. */
  const checkpoint = () => {
    if (!stopping) writeOutputs(snapshot(true));
  };

  try {
    // 1. nsq_to_http at its best.
    let nsqToHttp = nsqToHttpSystem(100, 200);
    if (!skip('tuning') && wanted(options, nsqToHttp)) {
      const tuneWorkload: Workload = {
        ...workloads[0],
        id: 'tuning',
        messages: options.tuningMessages,
      } as Workload;
      for (const [n, mif] of NSQ_TO_HTTP_CANDIDATES) {
        const candidate = nsqToHttpSystem(n, mif);
        const r = await attempt(`tuning ${candidate.id}`, async () =>
          runThroughputTrial(candidate, tuneWorkload, 0, await targets.get('http-sink'), trial),
        );
        if (r) {
          tuning.push(r.result);
          log(`tuning ${show(r.result)}`);
        }
      }
      const best = [...tuning].sort((a, b) => b.msgsPerSec - a.msgsPerSec)[0];
      if (best) {
        const [, n, mif] = /n(\d+)-mif(\d+)/.exec(best.systemId) ?? [];
        nsqToHttp = nsqToHttpSystem(Number(n), Number(mif));
        nsqToHttpChoice = nsqToHttp.id;
      }
    }

    // 2. Throughput, alternated rounds.
    const systems: SystemSpec[] = [
      ...(['b1', 'b10', 'b100', 'auto'] as const).map((b) => bridgeSystem(b, 'local-lambda')),
      // The batch-100 row into workerd (the HTTP invoker) right after its responder twin.
      ...(['b1', 'b10', 'b100', 'auto'] as const).flatMap((b) =>
        b === 'b100'
          ? [bridgeSystem(b, 'responder'), bridgeSystem(b, 'workerd')]
          : [bridgeSystem(b, 'responder')],
      ),
      nsqToHttp,
      forwarderSystem('raw'),
      forwarderSystem('lambda'),
      nsqjsSystem(),
    ].filter((s) => wanted(options, s));
    register(...systems);
    if (!skip('throughput')) {
      for (const workload of workloads) {
        for (let round = 0; round < options.runs; round++) {
          const order = round % 2 === 0 ? systems : [...systems].reverse();
          for (const system of order) {
            const r = await attempt(`${system.id} ${workload.id} round ${round + 1}`, async () =>
              runThroughputTrial(system, workload, round, await targets.get(targetOf(system)), trial),
            );
            if (r) {
              throughput.push(r.result);
              log(show(r.result));
            }
          }
          checkpoint();
        }
      }
    }

    // 3. Low-load latency.
    log(
      `the bridge asks nsqd for output_buffer_timeout ${bridgeObtMs ?? 'default (250)'} ms: latency baseline ${latencyBaselineId}`,
    );
    const latencySystems = [
      nsqjsSystem(),
      ...(bridgeObtMs === undefined || bridgeObtMs === 25 ? [] : [nsqjsSystem(2_500, bridgeObtMs)]),
      nsqjsSystem(2_500, 25),
      nsqToHttp,
      bridgeSystem('auto', 'responder'),
      bridgeSystem('b1', 'responder'),
    ].filter((s) => wanted(options, s));
    register(...latencySystems);
    if (!skip('latency')) {
      for (let round = 0; round < options.latencyRuns; round++) {
        const order = round % 2 === 0 ? latencySystems : [...latencySystems].reverse();
        for (const system of order) {
          const r = await attempt(`latency ${system.id} round ${round + 1}`, async () =>
            runLatencyTrial(system, round, await targets.get(targetOf(system)), {
              messages: options.latencyMessages,
              ratePerSec: options.latencyRatePerSec,
              bodyBytes: options.smallBytes,
              ...(bridgeBundle && { bridgeBundle }),
            }),
          );
          if (r) {
            latency.push(r);
            log(
              `latency ${system.id}: p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms (${r.samples} samples)`,
            );
          }
        }
      }
    }

    // 4. Throttled: 50 ms function with reserved concurrency 10, the bridge asking for 20 at once.
    checkpoint();
    const throttledSystem: SystemSpec = {
      ...bridgeSystem('b10', 'local-lambda', 'sleep-50ms'),
      id: 'bridge-b10-throttled',
      label: 'bridge batch 10 → local Lambda, 50 ms function, reserved concurrency 10',
      batching: { maxMessages: 10, maxWaitMs: 20, maxConcurrentInvocations: 20, maxInFlight: 400 },
    };
    if (!skip('throttled') && wanted(options, throttledSystem)) {
      register(throttledSystem);
      const r = await attempt('throttled run', async () =>
        runThroughputTrial(
          throttledSystem,
          {
            id: 'small',
            label: workloads[0]?.label ?? '',
            messages: options.throttledMessages,
            bodyBytes: options.smallBytes,
          },
          0,
          await targets.get('local-lambda'),
          { ...trial, maxSeconds: Math.max(120, options.maxSeconds) },
        ),
      );
      if (r) {
        throttled.push(r.result);
        log(
          `throttled ${show(r.result)}, ${r.result.throttles} throttles, ${r.result.attemptsPerMessage.toFixed(3)} attempts/msg`,
        );
      }
    }

    // 5. Peak RSS with 10,000 messages in flight (4 channels × 2,500).
    checkpoint();
    const inflightSystem: SystemSpec = {
      ...bridgeSystem('b100', 'responder'),
      id: 'bridge-inflight-10k',
      label: 'bridge, 4 subscriptions × maxInFlight 2,500 → responder (+250 ms)',
      batching: { maxMessages: 100, maxWaitMs: 20, maxConcurrentInvocations: 25, maxInFlight: 2_500 },
    };
    if (!skip('inflight') && wanted(options, inflightSystem)) {
      register(inflightSystem);
      const r = await attempt('10,000 in flight run', async () =>
        runThroughputTrial(
          inflightSystem,
          {
            id: 'small',
            label: workloads[0]?.label ?? '',
            messages: options.inflightMessages,
            bodyBytes: options.smallBytes,
          },
          0,
          await targets.responderWithDelay(250),
          { ...trial, channels: 4, inFlightThreshold: 10_000, maxSeconds: Math.max(120, options.maxSeconds) },
        ),
      );
      if (r) {
        inflight.push(r.result);
        log(`in flight ${show(r.result)}, max in flight ${r.result.maxInFlight}`);
      }
    }

    // 6. CPU profile of the bridge at batch 100 against the responder.
    checkpoint();
    const profiled = bridgeSystem('b100', 'responder');
    if (!skip('profile') && wanted(options, profiled)) {
      for (const workload of workloads) {
        const r = await attempt(`profile ${workload.id}`, async () =>
          runThroughputTrial(profiled, workload, 0, await targets.get('responder'), {
            ...trial,
            cpuProfile: true,
          }),
        );
        if (r?.profile) {
          profiles.push({
            systemId: profiled.id,
            workloadId: workload.id,
            // Leave out start-up (module loading, compilation): from the unpause on.
            summary: summarizeCpuProfile(
              r.profile,
              20,
              r.measuredFromMs ?? 0,
              bridgeBundle ? bundleFrameMapper(bridgeBundle) : undefined,
            ),
          });
          log(`profiled ${show(r.result)}`);
        }
      }
    }

    const run = snapshot(false);
    writeOutputs(run);
    log(`done in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`);
    if (failures.length > 0) {
      log(`${failures.length} trial(s) failed; see the report`);
      process.exitCode = 1;
    }
  } finally {
    await targets.close();
    await stopAllProcesses();
    if (!stopping) run.end();
  }
}

main().catch(async (err: unknown) => {
  log(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  await stopAllProcesses();
  process.exit(1);
});
