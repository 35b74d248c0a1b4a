/**
 * Pass and fail counts per test across the runs of `npm run check:stress`, from vitest's JSON reporter
 * output (one report per run). Pure: dev/stress/run.ts does the processes and the printing.
 */

/** The part of vitest's JSON report (`--reporter=json`) this reads. */
export interface VitestJsonReport {
  readonly testResults: readonly {
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults: readonly {
      readonly fullName: string;
      readonly status: string;
      readonly failureMessages?: readonly string[];
    }[];
  }[];
}

export interface TestTally {
  /** `file > describe > test`, or `file (file)` for a file that failed outside any test. */
  readonly id: string;
  passed: number;
  failed: number;
  /** The first line of each failure, by run number (1-based). */
  readonly failures: { run: number; message: string }[];
}

export interface StressSummary {
  readonly runs: number;
  /** Runs whose vitest exited 0. */
  readonly cleanRuns: number;
  /** Every test seen, those that failed at least once first, then by id. */
  readonly tests: readonly TestTally[];
  /** Runs that produced no report (vitest crashed or was killed), by run number. */
  readonly missingReports: readonly number[];
}

export interface RunResult {
  readonly run: number;
  readonly exitCode: number | null;
  readonly report: VitestJsonReport | undefined;
}

const firstLine = (text: string | undefined) =>
  (text ?? '')
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim()
    .slice(0, 200) ?? '';

/** Tallies the runs. A test skipped in a run counts neither way. */
export function summarise(runs: readonly RunResult[], relativeTo = ''): StressSummary {
  const tallies = new Map<string, TestTally>();
  const tally = (id: string) => {
    let t = tallies.get(id);
    if (!t) {
      t = { id, passed: 0, failed: 0, failures: [] };
      tallies.set(id, t);
    }
    return t;
  };
  const missingReports: number[] = [];
  for (const { run, report } of runs) {
    if (!report) {
      missingReports.push(run);
      continue;
    }
    for (const file of report.testResults) {
      const name =
        relativeTo && file.name.startsWith(relativeTo) ? file.name.slice(relativeTo.length) : file.name;
      let failedTests = 0;
      for (const a of file.assertionResults) {
        const t = tally(`${name} > ${a.fullName}`);
        if (a.status === 'passed') t.passed++;
        else if (a.status === 'failed') {
          t.failed++;
          failedTests++;
          t.failures.push({ run, message: firstLine(a.failureMessages?.[0]) });
        }
      }
      // A file can fail with no failed test: a hook, an import, an unhandled error.
      const t = tally(`${name} (file)`);
      if (file.status === 'failed' && failedTests === 0) {
        t.failed++;
        t.failures.push({ run, message: firstLine(file.message) || 'failed outside its tests' });
      } else t.passed++;
    }
  }
  const tests = [...tallies.values()]
    .filter((t) => !t.id.endsWith(' (file)') || t.failed > 0)
    .sort((a, b) => Number(b.failed > 0) - Number(a.failed > 0) || a.id.localeCompare(b.id));
  return {
    runs: runs.length,
    cleanRuns: runs.filter((r) => r.exitCode === 0).length,
    tests,
    missingReports,
  };
}

/** True when every run produced a report, exited 0, and no test failed in any run. */
export function stressPassed(s: StressSummary): boolean {
  return s.missingReports.length === 0 && s.cleanRuns === s.runs && s.tests.every((t) => t.failed === 0);
}

/** The per-test lines (failing tests first, each failure's first line under it) and the summary line. */
export function formatSummary(s: StressSummary): string[] {
  const lines = ['', `per test (passed/failed over ${s.runs} run${s.runs === 1 ? '' : 's'}):`];
  for (const t of s.tests) {
    lines.push(`  ${t.failed > 0 ? 'FLAKY' : 'ok   '} ${t.passed}/${t.failed}  ${t.id}`);
    for (const f of t.failures) lines.push(`          run ${f.run}: ${f.message}`);
  }
  for (const run of s.missingReports) lines.push(`  run ${run}: vitest produced no report`);
  const failing = s.tests.filter((t) => t.failed > 0);
  const failures = failing.reduce((n, t) => n + t.failed, 0);
  lines.push(
    '',
    `stress: ${stressPassed(s) ? 'PASS' : 'FAIL'}: ${s.cleanRuns}/${s.runs} runs green, ${s.tests.length} tests, ` +
      `${failing.length} failed at least once (${failures} failure${failures === 1 ? '' : 's'} in all)`,
  );
  return lines;
}
