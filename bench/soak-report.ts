/**
 * What `npm run bench:soak` writes besides the CSV: the chart input (four panels over time) and the
 * Markdown report with the verdicts. Pure functions of the run's record.
 */
import type { BridgeFigures } from './cost-model.ts';
import type { LineChartInput } from './line-chart.ts';
import type { EnvironmentInfo } from './results.ts';
import {
  type Accounting,
  driftStartSec,
  formatDuration,
  type SoakSample,
  type Verdict,
} from './soak-analysis.ts';
import type { SoakOptions } from './soak-options.ts';

export interface SoakRun {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly options: SoakOptions;
  /** What the bridge ran: bundle path and Node flags, batching, function. */
  readonly bridge: string;
  /** Estimated before the run from docs/benchmarks/results.json, when it had the figures. */
  readonly expectedSec?: number;
  readonly samples: readonly SoakSample[];
  readonly accounting: Accounting;
  readonly verdicts: readonly Verdict[];
  /** True when the run stopped at maxMinutes before every message was through. */
  readonly cutShort: boolean;
  /** The bridge over the whole run, in the bench's units (docs/COSTS.md prices 1 KiB with them). */
  readonly figures?: BridgeFigures;
  readonly environment: EnvironmentInfo;
}

const MIB = 2 ** 20;
const bytes = (b: number) => (b >= 1024 && b % 1024 === 0 ? `${b / 1024} KiB` : `${b} B`);

export function soakChart(run: SoakRun): LineChartInput {
  const at = (f: (s: SoakSample) => number | undefined) =>
    run.samples.flatMap((s) => {
      const v = f(s);
      return v === undefined ? [] : [[s.elapsedSec, v] as const];
    });
  const from = driftStartSec(run.samples);
  return {
    ...(from !== undefined && {
      markers: [{ x: from, label: '10 % of the messages: drift measured from here' }],
    }),
    title: `Soak: ${run.accounting.published.toLocaleString('en-US')} messages of ${bytes(run.options.bodyBytes)} through the bridge`,
    subtitle: `the bridge ${run.options.bridgeFrom === 'bundle' ? 'bundle' : 'from source'}, batch 100 → local Lambda, sleep-5ms; a sample every ${run.options.intervalSec} s; ${run.startedAt.slice(0, 16).replace('T', ' ')} UTC`,
    xLabel: 'seconds since the start',
    panels: [
      {
        title: 'memory (MiB)',
        series: [
          { label: 'RSS', points: at((s) => s.rssBytes / MIB) },
          {
            label: 'heap used',
            points: at((s) => (s.heapUsedBytes === undefined ? undefined : s.heapUsedBytes / MIB)),
          },
          {
            label: 'heap after full GC',
            points: at((s) =>
              s.heapAfterFullGcBytes === undefined ? undefined : s.heapAfterFullGcBytes / MIB,
            ),
          },
        ],
      },
      { title: 'msgs/s', series: [{ label: 'msgs/s', points: at((s) => s.msgsPerSec) }] },
      { title: 'open file descriptors', series: [{ label: 'fds', points: at((s) => s.openFds) }] },
      {
        title: 'event-loop delay p99 (ms)',
        series: [{ label: 'p99', points: at((s) => s.eventLoopDelayP99Ms) }],
      },
    ],
  };
}

const verdictCell = (pass: boolean | undefined) =>
  pass === undefined ? 'not judged' : pass ? 'pass' : 'FAIL';

export function renderSoakReport(run: SoakRun, chartFile: string, csvFile: string): string {
  const last = run.samples.at(-1);
  const seconds = last?.elapsedSec ?? 0;
  const through = run.accounting.handled + run.accounting.deadLettered;
  const f = run.figures;
  const lines = [
    '## Soak (`npm run bench:soak`)',
    '',
    `${run.accounting.published.toLocaleString('en-US')} messages of ${bytes(run.options.bodyBytes)} through the bridge to the local Lambda, \`sleep-5ms\` function (5 ms per batch). ${run.bridge}. Run ${run.startedAt} → ${run.finishedAt}, \`${run.command}\`${run.cutShort ? `; CUT SHORT at ${run.options.maxMinutes} min` : ''}.`,
    '',
    `Took ${formatDuration(seconds)}${run.expectedSec === undefined ? '' : ` (expected ≈ ${formatDuration(run.expectedSec)} from docs/benchmarks/results.json)`}: ${seconds > 0 ? Math.round(through / seconds).toLocaleString('en-US') : '–'} msgs/s on average${f ? `; the bridge used ${f.cpuSecondsPer100k.toFixed(2)} CPU s per 100k messages, made ${f.invocationsPer1000.toFixed(1)} invocations per 1,000, peak RSS ${(f.peakRssBytes / MIB).toFixed(0)} MiB` : ''}. Machine: ${run.environment.cpus} × ${run.environment.cpuModel}, Node ${run.environment.node}, commit ${run.environment.gitCommit}, load average ${run.environment.loadAverageStart.join(' ')} at the start, ${run.environment.loadAverageEnd.join(' ')} at the end.`,
    '',
    `![soak](${chartFile})`,
    '',
    '| figure | measured | target | verdict |',
    '| --- | --- | --- | --- |',
    ...run.verdicts.map((v) => `| ${v.figure} | ${v.measured} | ${v.target} | ${verdictCell(v.pass)} |`),
    '',
    `Samples: [${csvFile}](${csvFile}). Drift is read off a least-squares line through the samples from the one at which 10 % of the messages were through to the last (so start-up and one noisy sample do not decide it); a rise in memory or a fall in msgs/s counts against the target. RSS and descriptors come from /proc of the bridge; heap used, the heap after the last full GC and the event-loop delay p99 from its /metrics, scraped once per sample (\`nsq_lambda_process_heap_used_bytes\`; \`nsq_lambda_process_heap_after_full_gc_bytes\`, which the heap drift is read off, since heap used rises and falls with garbage between collections; and \`nsq_lambda_event_loop_delay_p99_seconds\`: how late a 10 ms \`perf_hooks.monitorEventLoopDelay\` timer ran, over the interval since the previous sample, as each scrape starts a new window). Lost = published − handled (\`nsq_lambda_messages_finished_total\`) − dead-lettered (\`nsq_lambda_messages_dead_lettered_total\`) − still in nsqd, and for a pass nsqd must hold none.`,
    '',
  ];
  return lines.join('\n');
}
