/**
 * `npm run check:stress`: runs the vitest suite several times in a row while two busy processes hold both
 * cores, then prints pass and fail counts per test. A test that fails in any run fails the check.
 *
 *   npm run check:stress                                   # the whole suite, 5 runs
 *   npm run check:stress -- --runs 3 test/fault test/integration/bridge   # 3 runs of a subset
 *
 * Positional arguments are vitest file filters. Exit codes: 0 when every run passed, 1 when any test
 * failed in any run (or a run produced no report) and on bad arguments, 130 on Ctrl-C. The busy processes
 * are killed at the end, on Ctrl-C, and exit by themselves if this process dies without cleaning up.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { projectRoot } from '../services/binaries.ts';
import { formatSummary, type RunResult, stressPassed, summarise, type VitestJsonReport } from './summary.ts';

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
};

const program = new Command('npm run check:stress --')
  .description('Run the vitest suite N times in a row with both cores busy; print pass/fail counts per test')
  .argument('[filters...]', 'vitest file filters (default: the whole suite)')
  .option('--runs <n>', 'how many runs', positiveInt, 5)
  .option('--busy <n>', 'busy processes to hold the cores', (v) => Number.parseInt(v, 10), 2)
  .showHelpAfterError();

/**
 * A process that spins on one core. It watches its parent and exits when the parent is gone, so a killed
 * stress run (even SIGKILL) cannot leave it spinning.
 */
const BUSY_LOOP = `
const parent = process.ppid;
for (;;) {
  for (let i = 0; i < 5e7; i++);
  if (process.ppid !== parent) process.exit(0);
}`;

function startBusy(n: number): ChildProcess[] {
  return Array.from({ length: n }, () => spawn(process.execPath, ['-e', BUSY_LOOP], { stdio: 'ignore' }));
}

function stopAll(children: readonly ChildProcess[]) {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

function runVitest(
  filters: readonly string[],
  reportPath: string,
): Promise<{ code: number | null; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      join(projectRoot, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--reporter=dot',
      '--reporter=json',
      `--outputFile.json=${reportPath}`,
      ...filters,
    ],
    { cwd: projectRoot, stdio: 'inherit' },
  );
  current = child;
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, child })));
}

function readReport(path: string): VitestJsonReport | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as VitestJsonReport;
  } catch {
    return undefined;
  }
}

let current: ChildProcess | undefined;

async function main() {
  program.parse();
  const opts = program.opts<{ runs: number; busy: number }>();
  const filters = program.args;
  const dir = mkdtempSync(join(tmpdir(), 'nsq-lambda-stress-'));
  const busy = startBusy(opts.busy);
  const onSignal = (signal: NodeJS.Signals) => {
    stopAll(busy);
    current?.kill(signal);
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`\nstress: interrupted (${signal}); busy processes stopped\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const results: RunResult[] = [];
  try {
    process.stdout.write(
      `stress: ${opts.runs} run(s) of ${filters.length ? filters.join(' ') : 'the whole suite'} with ${busy.length} busy process(es)\n`,
    );
    for (let run = 1; run <= opts.runs; run++) {
      const reportPath = join(dir, `run-${run}.json`);
      const started = Date.now();
      process.stdout.write(`\nstress: run ${run}/${opts.runs}\n`);
      const { code } = await runVitest(filters, reportPath);
      results.push({ run, exitCode: code, report: readReport(reportPath) });
      process.stdout.write(
        `\nstress: run ${run}/${opts.runs} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
    }
  } finally {
    stopAll(busy);
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = summarise(results, `${projectRoot}/`);
  process.stdout.write(`${formatSummary(summary).join('\n')}\n`);
  process.exitCode = stressPassed(summary) ? 0 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`stress: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
