/**
 * Benchmark settings: a "full" preset (the documented run) and a "quick" one (under two minutes),
 * each figure overridable by a flag or an environment variable (flag wins). One zod schema, strict.
 */
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { listProblems } from '#shared/errors';
import { formatZodIssues } from '#shared/zod-issues';

export const SECTIONS = ['tuning', 'throughput', 'latency', 'throttled', 'inflight', 'profile'] as const;
export type Section = (typeof SECTIONS)[number];

export const benchOptionsSchema = z
  .object({
    preset: z.enum(['full', 'quick']),
    /** Rounds of every throughput trial (alternated, so drift shows as spread). */
    runs: z.number().int().min(1).max(20),
    /** Backlog of the 200 B workload. */
    smallMessages: z.number().int().min(100),
    /** Backlog of the 10 KB workload. */
    largeMessages: z.number().int().min(100),
    smallBytes: z.number().int().min(1).max(1_000_000),
    largeBytes: z.number().int().min(1).max(1_000_000),
    /** A trial stops measuring after this long, backlog finished or not (msgs/s = finished / time). */
    maxSeconds: z.number().min(1).max(3_600),
    /** Messages per nsq_to_http tuning trial. */
    tuningMessages: z.number().int().min(100),
    /** Paced low-load latency: messages per trial and publish rate. */
    latencyMessages: z.number().int().min(10),
    latencyRatePerSec: z.number().min(1).max(10_000),
    latencyRuns: z.number().int().min(1).max(20),
    /** The throttled run (50 ms function, reserved concurrency 10). */
    throttledMessages: z.number().int().min(100),
    /** Messages per channel in the 10,000-in-flight memory run (4 channels × 2,500 in flight). */
    inflightMessages: z.number().int().min(100),
    /** Only systems whose id contains one of these (empty: all). */
    systems: z.array(z.string().min(1)),
    /** Sections to leave out. */
    skip: z.array(z.enum(SECTIONS)),
    /** 'bundle': the esbuild bundle bridge/Dockerfile ships; 'source': bridge/src/main.ts through tsx. */
    bridgeFrom: z.enum(['bundle', 'source']),
    /** Where the report, chart and raw results go. */
    out: z.string().min(1),
    chart: z.string().min(1),
    results: z.string().min(1),
  })
  .strict();

export type BenchOptions = z.output<typeof benchOptionsSchema>;

export const PRESETS: Readonly<Record<'full' | 'quick', Omit<BenchOptions, 'preset' | 'systems' | 'skip'>>> =
  {
    full: {
      runs: 3,
      smallMessages: 200_000,
      largeMessages: 50_000,
      smallBytes: 200,
      largeBytes: 10 * 1024,
      maxSeconds: 12,
      tuningMessages: 30_000,
      latencyMessages: 1_000,
      latencyRatePerSec: 100,
      latencyRuns: 2,
      throttledMessages: 10_000,
      inflightMessages: 10_000,
      bridgeFrom: 'bundle',
      out: 'docs/BENCHMARKS.md',
      chart: 'docs/benchmarks/throughput.svg',
      results: 'docs/benchmarks/results.json',
    },
    quick: {
      runs: 2,
      smallMessages: 8_000,
      largeMessages: 1_000,
      smallBytes: 200,
      largeBytes: 10 * 1024,
      maxSeconds: 2,
      tuningMessages: 2_000,
      latencyMessages: 100,
      latencyRatePerSec: 100,
      latencyRuns: 1,
      throttledMessages: 1_000,
      inflightMessages: 3_000,
      bridgeFrom: 'bundle',
      out: '.cache/bench/BENCHMARKS.md',
      chart: '.cache/bench/throughput.svg',
      results: '.cache/bench/results.json',
    },
  };

/** Environment variable per setting: BENCH_RUNS, BENCH_SMALL_MESSAGES, ... */
export function envName(key: string): string {
  return `BENCH_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

const LIST_KEYS = new Set(['systems', 'skip']);
const STRING_KEYS = new Set(['out', 'chart', 'results', 'bridgeFrom']);

/**
 * Resolves the settings: preset, then environment variables, then flags. Throws one error listing
 * every invalid value.
 */
export function resolveOptions(
  flags: Readonly<Record<string, string | boolean | undefined>>,
  env: NodeJS.ProcessEnv = process.env,
): BenchOptions {
  const quick = flags.quick === true || env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const preset = quick ? 'quick' : 'full';
  const raw: Record<string, unknown> = { preset, ...PRESETS[preset], systems: [], skip: [] };
  const keys = [...Object.keys(PRESETS.full), 'systems', 'skip'];
  for (const key of keys) {
    const value = flags[key] ?? env[envName(key)];
    if (value === undefined || value === '' || typeof value === 'boolean') continue;
    if (LIST_KEYS.has(key))
      raw[key] = value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    else if (STRING_KEYS.has(key)) raw[key] = value;
    else raw[key] = Number(value);
  }
  const parsed = benchOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(listProblems('invalid benchmark settings', formatZodIssues(parsed.error.issues)));
  }
  return parsed.data;
}

/**
 * Where `--render <results.json>` writes: the report to `--out` (default: where the run wrote it), the
 * charts to `--chart`, or beside `--out` when only that is given (so rendering elsewhere never touches
 * the docs' charts). The results are the file rendered: read, never rewritten, and the soak is looked
 * for beside it.
 */
export function renderOptions(
  saved: BenchOptions,
  flags: { readonly out?: string; readonly chart?: string },
  resultsPath: string,
): BenchOptions {
  const out = flags.out ?? saved.out;
  const chart =
    flags.chart ?? (flags.out === undefined ? saved.chart : join(dirname(flags.out), basename(saved.chart)));
  return { ...saved, out, chart, results: resultsPath };
}
