/**
 * Renders docs/BENCHMARKS.md from one benchmark run: targets, throughput table and chart, low-load
 * latency, the throttled run, memory with 10,000 messages in flight, the bridge's CPU profile, the
 * nsq_to_http tuning, the method, the machine and versions. Pure: the caller writes the file.
 */
import type { ChartInput } from './chart.ts';
import { EDGE_ROW_ID, edgeComparisonSection } from './edge-comparison.ts';
import type { ThroughputResult } from './measure.ts';
import { type BenchRun, latencySummary, medianRate, summarize } from './results.ts';
import { formatNumber, formatSpread } from './stats.ts';
import {
  evaluateIssue8Targets,
  evaluateTargets,
  LAMBDA_FLOOR_ID,
  type TargetCheck,
} from './target-checks.ts';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (c: string) => c.replaceAll('|', '\\|');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

const mib = (bytes: number) => formatNumber(bytes / 1024 / 1024);

function targetsTable(checks: readonly TargetCheck[]): string {
  return table(
    ['target', 'measured (median)', 'verdict'],
    checks.map((c) => [c.target, c.measured, `**${c.verdict}**`]),
  );
}

/** Issue 18's targets, then issue 8's that still apply. */
function targetsSection(run: BenchRun): string[] {
  const floor = run.systems.find((s) => s.id === LAMBDA_FLOOR_ID)?.label ?? LAMBDA_FLOOR_ID;
  return [
    '## Targets (issue 18)',
    '',
    `Judged on the medians of this run. Each throughput target is the bridge's median msgs/s over the median of the Lambda floor ("${floor}": \`bench/consumers/forwarder.ts\`, only what the Invoke API requires; see "Floors" below) on the same workload in the same run.`,
    'RSS is judged in MB (10⁶ bytes), as the issue states it, and shown in MiB (2²⁰ bytes) too, the unit of the tables below.',
    'Added p99 is the bridge\'s low-load p99 less that of a bare reader with the same nsqd output buffering ("Latency at low load" below).',
    'What stands in the way and what to change: [benchmarks/analysis.md](benchmarks/analysis.md).',
    '',
    targetsTable(evaluateTargets(run)),
    '',
    "### Issue 8's targets that still apply",
    '',
    'Issue 18 replaced the shares of the bare nsqjs reader and the 10 KiB ratios to nsq_to_http (which change with body size) with the floor, and tightened peak RSS (200 → 140 MB) and added p99 (maxWaitMs + 10 → + 5 ms). These stand; **out of reach** means the Lambda floor itself misses the same ratio in this run.',
    '',
    targetsTable(evaluateIssue8Targets(run)),
    '',
  ];
}

/** The CPU chart lives next to the throughput chart: `x/throughput.svg` → `x/throughput-cpu.svg`. */
export function cpuChartPath(chartPath: string): string {
  return chartPath.replace(/(\.svg)?$/, '-cpu.svg');
}

/** A chart of one figure: one panel per workload, one bar per system. */
function figureChart(
  run: BenchRun,
  figure: 'msgsPerSec' | 'cpuSecondsPer100k',
  title: string,
  unit: string,
): ChartInput {
  return {
    title,
    subtitle: `${run.environment.cpus} vCPU ${run.environment.cpuModel}; backlog drained from one nsqd; median of ${run.options.runs} alternated runs`,
    unit,
    panels: run.workloads.map((w) => ({
      title: `${w.label} (${w.messages.toLocaleString('en-US')} messages)`,
      bars: run.systems.flatMap((s) => {
        const m = summarize(run.throughput, s.id, w.id)[figure];
        if (!m) return [];
        const kind =
          s.kind !== 'bridge'
            ? s.kind
            : s.id.endsWith('responder')
              ? 'bridge-responder'
              : s.id.endsWith('workerd')
                ? 'bridge-workerd'
                : 'bridge-lambda';
        return [{ label: s.label, median: m.median, min: m.min, max: m.max, kind }];
      }),
    })),
  };
}

/** The throughput chart (msgs/s per system and batch size). */
export function throughputChart(run: BenchRun): ChartInput {
  return figureChart(
    run,
    'msgsPerSec',
    'nsq-lambda bridge vs nsq_to_http vs a bare nsqjs reader: messages per second',
    'msgs/s',
  );
}

/** The consumer's CPU seconds per 100,000 messages, per system and batch size (lower is better). */
export function cpuChart(run: BenchRun): ChartInput {
  return figureChart(
    run,
    'cpuSecondsPer100k',
    'Consumer CPU seconds per 100,000 messages (lower is better)',
    'CPU s per 100k msgs',
  );
}

function throughputTable(run: BenchRun, workloadId: string): string {
  const rows = run.systems.flatMap((s) => {
    const sum = summarize(run.throughput, s.id, workloadId);
    if (sum.runs === 0) return [];
    return [
      [
        s.label,
        formatSpread(sum.msgsPerSec),
        formatSpread(sum.cpuSecondsPer100k),
        formatSpread(sum.peakRssMiB),
        s.kind === 'nsqjs' ? '–' : formatSpread(sum.requestsPer1000),
        `${sum.runs} (${sum.drainedRuns} drained)`,
      ],
    ];
  });
  return table(
    [
      'system',
      'msgs/s',
      'consumer CPU s per 100k msgs',
      'consumer peak RSS MiB',
      'requests per 1,000 msgs',
      'runs (drained backlog)',
    ],
    rows,
  );
}

/**
 * The floors next to the bridge: what moving the bytes alone, and what the Lambda Invoke API alone,
 * reach on this machine, as shares of the two yardsticks of the targets.
 */
function floorsSection(run: BenchRun): string[] {
  const floors = run.systems.filter((s) => s.kind === 'forwarder');
  if (floors.length === 0) return [];
  const rate = (id: string | undefined, workloadId: string) => medianRate(run, id, workloadId);
  const nsqToHttpId = run.systems.find((s) => s.kind === 'nsq_to_http')?.id;
  const shown = [
    ...floors,
    ...run.systems.filter(
      (s) => s.id === 'bridge-b100-responder' || s.id === EDGE_ROW_ID || s.id === 'bridge-b100-local-lambda',
    ),
  ];
  const out = [
    '### Floors: what any forwarder, and anything calling Lambda, can reach here',
    '',
    '`bench/consumers/forwarder.ts` does the least a bridge must do and nothing else: an nsqjs reader, 100',
    'messages per keep-alive POST to the same endpoint as nsq_to_http, up to 8 at once, FIN on 2xx. "raw"',
    'sends the bodies as they are; "Lambda" sends only what the Invoke API cannot do without: a JSON',
    'event with the bodies in base64 and the SHA-256 of it that SigV4 signs. No SDK, results, attempts,',
    'touch, dead letters or metrics. No bridge can beat these: issue 18 sets its throughput targets as shares',
    'of the Lambda floor, and a ratio to nsq_to_http that the Lambda floor misses is **out of reach** above.',
    '',
  ];
  for (const w of run.workloads) {
    const nsqjs = rate('nsqjs', w.id);
    const nsqToHttp = rate(nsqToHttpId, w.id);
    const floor = rate(LAMBDA_FLOOR_ID, w.id);
    const rows = shown.flatMap((s) => {
      const r = rate(s.id, w.id);
      if (r === undefined) return [];
      return [
        [
          s.label,
          formatNumber(r),
          nsqjs === undefined ? '–' : `${((r / nsqjs) * 100).toFixed(0)} %`,
          nsqToHttp === undefined ? '–' : `${(r / nsqToHttp).toFixed(2)}×`,
          floor === undefined ? '–' : `${((r / floor) * 100).toFixed(0)} %`,
        ],
      ];
    });
    out.push(
      `${w.label}:`,
      '',
      table(['system', 'msgs/s (median)', 'of bare nsqjs', 'of nsq_to_http', 'of the Lambda floor'], rows),
      '',
    );
  }
  return out;
}

function trialRow(r: ThroughputResult): string[] {
  return [
    r.messages.toLocaleString('en-US'),
    r.finished.toLocaleString('en-US'),
    formatNumber(r.elapsedMs / 1000),
    formatNumber(r.msgsPerSec),
    formatNumber(r.targetRequestsPer1000),
    r.throttles.toLocaleString('en-US'),
    r.requeues.toLocaleString('en-US'),
    r.timeouts.toLocaleString('en-US'),
    r.attemptsPerMessage.toFixed(3),
    r.deadLettered.toLocaleString('en-US'),
    r.maxInFlight.toLocaleString('en-US'),
    mib(r.peakRssBytes),
  ];
}

const TRIAL_HEADER = [
  'messages',
  'finished',
  'seconds',
  'msgs/s',
  'invocations per 1,000',
  '429 throttles',
  'REQ',
  'timeouts',
  'attempts per message',
  'dead-lettered',
  'max in flight',
  'peak RSS MiB',
];

/** `extraSections`: Markdown sections put before the method (the soak's, when one was written beside the results). */
export function renderReport(
  run: BenchRun,
  chartPath: string,
  extraSections: readonly string[] = [],
): string {
  const o = run.options;
  const env = run.environment;
  const label = (id: string) => run.systems.find((s) => s.id === id)?.label ?? id;
  const out: string[] = [];
  out.push(
    '# Benchmarks',
    '',
    `Generated by \`${run.command}\` on ${run.startedAt} (finished ${run.finishedAt}), commit \`${env.gitCommit}\`.`,
    ...(run.partial
      ? [
          '',
          `> **Partial**: written at ${run.finishedAt} while the run was still going; sections not reached say "Not run".`,
          '',
        ]
      : []),
    'Do not edit by hand: rerun the command. Raw per-trial figures are in',
    `[\`${o.results}\`](${o.results}).`,
    '',
    `Preset **${o.preset}**: ${o.runs} alternated rounds per system; ${o.smallMessages.toLocaleString('en-US')} × ${o.smallBytes} B and ${o.largeMessages.toLocaleString('en-US')} × ${formatNumber(o.largeBytes / 1024)} KiB backlogs; each trial stops at ${o.maxSeconds} s.`,
    `Machine: ${env.cpus} × ${env.cpuModel}, ${formatNumber(env.memoryGiB)} GiB, shared with other work (load average ${env.loadAverageStart.map((l) => l.toFixed(2)).join(' / ')} at the start, ${env.loadAverageEnd.map((l) => l.toFixed(2)).join(' / ')} at the end).`,
    '',
    ...targetsSection(run),
    '## Throughput',
    '',
    `![msgs/s per system and batch size](${chartPath})`,
    '',
    `![consumer CPU seconds per 100,000 messages](${cpuChartPath(chartPath)})`,
    '',
    'Cells are `median (min–max)` over the rounds. "Consumer" is the process under test (the bridge,',
    'nsq_to_http or the nsqjs reader): its own CPU time (user + system, `/proc/<pid>/stat`) while it',
    'drained the backlog, and its peak RSS (`VmHWM`). Requests are Lambda invocations (bridge) or HTTP',
    'POSTs (nsq_to_http). A run that hit the time cap is measured on the messages it finished.',
    '',
  );
  for (const w of run.workloads) {
    out.push(
      `### ${w.label}: ${w.messages.toLocaleString('en-US')} messages`,
      '',
      throughputTable(run, w.id),
      '',
    );
  }

  out.push(...edgeComparisonSection(run));
  out.push(...floorsSection(run));

  out.push('## Latency at low load (publish → FIN)', '');
  if (run.latency.length === 0) out.push('Not run.', '');
  else {
    const ids = [...new Set(run.latency.map((l) => l.systemId))];
    const first = run.latency[0];
    out.push(
      `${first?.messages.toLocaleString('en-US')} messages of ${o.smallBytes} B published one at a time at ${first?.ratePerSec} per second`,
      "to a fresh nsqd with the consumer already connected; the percentiles are nsqd's own",
      '(`--e2e-processing-latency-percentile`: from the PUB reaching nsqd to the FIN).',
      '',
      table(
        ['system', 'p50 ms', 'p99 ms', 'runs'],
        ids.map((id) => {
          const l = latencySummary(run.latency, id);
          return [label(id), formatSpread(l.p50Ms), formatSpread(l.p99Ms), String(l.runs)];
        }),
      ),
      '',
      'nsqd buffers what it writes to a consumer for up to `output_buffer_timeout` (250 ms unless the',
      'consumer asks for less in IDENTIFY; nsqd refuses less than `--min-output-buffer-timeout`, 25 ms).',
      'At low load a lone message waits for that flush, so a consumer that keeps the default shows',
      'about 125 ms at p50 before it has done anything; the other nsqjs rows show the same reader asking for less.',
      `The bridge's "added latency" (targets above) is its p99 minus the p99 of the row "${label(run.latencyBaselineId)}":`,
      'the bare reader with the output buffering the bridge asks nsqd for (read from bridge/src/nsq).',
      '',
    );
  }

  out.push('## Throttled run (50 ms function, reserved concurrency 10)', '');
  if (run.throttled.length === 0) out.push('Not run.', '');
  else {
    out.push(
      'The bridge at batch 10 with `maxConcurrentInvocations` 20 against `bench/functions/sleep-50ms` (50 ms per',
      'batch, reserved concurrency 10) in the local Lambda, which answers 429 TooManyRequestsException to every',
      'Invoke beyond 10 at once. The ceiling is 10 × 10 messages / 50 ms = 2,000 msgs/s. Attempts per message',
      "are nsqd's deliveries per message, (messages + REQ + timeouts) / messages; lost = dead-lettered + unfinished.",
      '',
      table(TRIAL_HEADER, run.throttled.map(trialRow)),
      '',
    );
  }

  out.push('## Memory with 10,000 messages in flight', '');
  if (run.inflight.length === 0) out.push('Not run.', '');
  else {
    out.push(
      "Four subscriptions on four channels of one topic, each `maxInFlight` 2,500 (nsqd's largest RDY),",
      'batch 100, `maxConcurrentInvocations` 25, against the responder answering after 250 ms, so the',
      'bridge holds up to 10,000 messages at once. "max in flight" is the sum over the channels as nsqd reported it.',
      'Peak RSS is `VmHWM` over the whole run (the judged figure); the RSS sampled while all 10,000 were in flight',
      `was at most ${run.inflight[0]?.rssAtThresholdBytes === undefined ? '– (never sampled)' : `${mib(run.inflight[0].rssAtThresholdBytes)} MiB`}.`,
      '',
      table(TRIAL_HEADER, run.inflight.map(trialRow)),
      '',
    );
  }

  out.push('## Where the bridge spends its CPU', '');
  if (run.profiles.length === 0) out.push('Not profiled.', '');
  else
    out.push(
      'What the numbers mean and what to change: [benchmarks/analysis.md](benchmarks/analysis.md).',
      '',
    );
  for (const profile of run.profiles) {
    const p = profile.summary;
    const workload = run.workloads.find((w) => w.id === profile.workloadId);
    out.push(
      `### ${workload?.label ?? profile.workloadId}: \`node --cpu-prof\` of ${label(profile.systemId)}`,
      '',
      `${formatNumber(p.totalMs / 1000)} s sampled from the unpause on (start-up left out), ${formatNumber((p.idleMs / Math.max(p.totalMs, 1)) * 100)} % idle.`,
      "Self time and share of the busy time, frames mapped to their sources through the bundle's source map:",
      '',
      table(
        ['module group', 'self ms', 'share'],
        p.topGroups.map((g) => [g.name, formatNumber(g.selfMs), `${(g.share * 100).toFixed(1)} %`]),
      ),
      '',
      table(
        ['function', 'group', 'self ms', 'share'],
        p.topFunctions.map((f) => [
          f.name,
          f.group,
          formatNumber(f.selfMs),
          `${(f.share * 100).toFixed(1)} %`,
        ]),
      ),
      '',
    );
  }

  out.push('## nsq_to_http tuning', '');
  if (run.tuning.length === 0) out.push('Not tuned this run.', '');
  else {
    out.push(
      `One trial of ${run.tuning[0]?.messages.toLocaleString('en-US')} × ${o.smallBytes} B per setting; the fastest is used above${run.nsqToHttpChoice ? ` (${label(run.nsqToHttpChoice)})` : ''}.`,
      '',
      table(
        ['setting', 'msgs/s', 'CPU s per 100k', 'peak RSS MiB'],
        run.tuning.map((r) => [
          r.systemId.replace(/^nsq_to_http-n(\d+)-mif(\d+)$/, '-n $1 --max-in-flight $2'),
          formatNumber(r.msgsPerSec),
          formatNumber(r.cpuSecondsPer100k),
          mib(r.peakRssBytes),
        ]),
      ),
      '',
    );
  }

  for (const section of extraSections) out.push(section.trimEnd(), '');

  if (run.failures.length > 0) {
    out.push(
      '## Trials that failed',
      '',
      ...run.failures.map((f) => `- ${f.replaceAll('\n', ' ').slice(0, 400)}`),
      '',
    );
  }

  out.push(
    '## Method',
    '',
    '- **Fresh nsqd per trial.** Every trial starts its own nsqd (v1.3.0, `--mem-queue-size` large enough to',
    '  keep the backlog in memory), creates the topic and a **paused** channel, publishes the whole backlog',
    '  (binary MPUB), starts the consumer and waits until it is connected with RDY > 0. The clock starts when',
    '  the channel is unpaused and stops when nsqd reports every message finished (polled every 20 ms) or at',
    `  the time cap (${o.maxSeconds} s). So start-up (loading, connecting) is never timed, and every system sees the same backlog.`,
    '- **Alternated rounds.** Each round runs every system once, in forward order on even rounds and reverse',
    '  order on odd ones (A B C … C B A …), so a noisy neighbour on this shared machine shows up as spread',
    '  rather than as a bias against one system. The figure is the median of the rounds, with min and max.',
    '- **Systems.** Each consumer is a separate process, so its CPU and RSS are its own:',
    ...run.systems.map((s) => `  - ${s.label}: ${s.settings}`),
    '- **Targets.** The Invoke targets and the HTTP endpoint run in the benchmark process (Node `http`):',
    '  the *bare responder* (`bench/targets.ts`) drains each Invoke and answers `{"batchItemFailures":[]}` at once,',
    "  as lean as nsq_to_http's endpoint, and isolates the bridge's own cost; the *local Lambda* is `dev/local-lambda` running `bench/functions/noop`",
    '  from its esbuild bundle in warm worker processes (one invocation per worker at a time), which adds the',
    '  IPC and worker cost a real function would have. nsq_to_http POSTs to an endpoint that answers 200 at once.',
    '  The *edge responder* is `bench/functions/edge-responder` bundled for and served by workerd (its own process),',
    '  answering the same `{"batchItemFailures":[]}`; the bridge reaches it through its HTTP invoker (signed requests).',
    '- **Figures.** msgs/s = finished / elapsed. CPU s per 100k = consumer CPU during the timed window / finished × 100,000.',
    '  Peak RSS = `VmHWM` of the consumer at the end. Invocations per 1,000 = target requests during the window / finished × 1,000.',
    "  Latency = nsqd's e2e processing latency percentiles of the channel. Attempts = nsqd deliveries per message.",
    '',
    '## Machine and versions',
    '',
    table(
      ['what', 'value'],
      [
        ['CPU', `${env.cpus} × ${env.cpuModel}`],
        ['memory', `${formatNumber(env.memoryGiB)} GiB`],
        ['kernel', env.kernel],
        ['Node.js', env.node],
        ...Object.entries(env.versions).map(([k, v]) => [k, v]),
      ],
    ),
    '',
    '## Reproduce',
    '',
    '```sh',
    `npm run bench                 # the full run (this one took ${Math.round((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 60_000)} minutes); writes docs/BENCHMARKS.md`,
    'npm run bench -- --quick      # a smoke run in under 2 minutes, written to .cache/bench/',
    'npm run bench -- --runs 5 --small-messages 100000 --skip latency,profile',
    'npm run bench:soak -- --out docs/benchmarks   # the million-message soak (section "Soak" above)',
    'npm run bench -- --render docs/benchmarks/results.json   # re-renders this page, with the soak written beside the results',
    'npm run bench:costs           # docs/COSTS.md from these results and bench/prices.ts',
    '```',
    '',
    'Every setting also reads an environment variable (`BENCH_RUNS`, `BENCH_SMALL_MESSAGES`, `BENCH_MAX_SECONDS`,',
    '`BENCH_SYSTEMS`, `BENCH_SKIP`, …; a flag wins). `--systems bridge-b100,nsqjs` keeps the systems whose id',
    'contains one of the strings. See `npm run bench -- --help`.',
    '',
  );
  return out.join('\n');
}
