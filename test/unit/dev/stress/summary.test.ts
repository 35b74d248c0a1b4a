import { describe, expect, it } from 'vitest';
import {
  formatSummary,
  type RunResult,
  stressPassed,
  summarise,
  type VitestJsonReport,
} from '#dev/stress/summary';

type Status = 'passed' | 'failed' | 'skipped';
const report = (
  files: Record<string, { status?: string; message?: string; tests: Record<string, Status> }>,
) =>
  ({
    testResults: Object.entries(files).map(([name, f]) => ({
      name: `/repo/${name}`,
      status: f.status ?? (Object.values(f.tests).includes('failed') ? 'failed' : 'passed'),
      ...(f.message !== undefined && { message: f.message }),
      assertionResults: Object.entries(f.tests).map(([fullName, status]) => ({
        fullName,
        status,
        failureMessages: status === 'failed' ? [`\nAssertionError: ${fullName} broke\n    at x`] : [],
      })),
    })),
  }) satisfies VitestJsonReport;

const green = report({ 'a.test.ts': { tests: { one: 'passed', two: 'passed' } } });
const flaky = report({ 'a.test.ts': { tests: { one: 'passed', two: 'failed' } } });

describe('summarise', () => {
  it.each<[string, RunResult[], boolean, Record<string, [number, number]>]>([
    [
      'all green',
      [1, 2, 3].map((run) => ({ run, exitCode: 0, report: green })),
      true,
      { 'a.test.ts > one': [3, 0], 'a.test.ts > two': [3, 0] },
    ],
    [
      'one failure in one run',
      [
        { run: 1, exitCode: 0, report: green },
        { run: 2, exitCode: 1, report: flaky },
      ],
      false,
      { 'a.test.ts > one': [2, 0], 'a.test.ts > two': [1, 1] },
    ],
    [
      'a skipped test counts neither way',
      [{ run: 1, exitCode: 0, report: report({ 'a.test.ts': { tests: { one: 'skipped' } } }) }],
      true,
      { 'a.test.ts > one': [0, 0] },
    ],
    [
      'a file failing outside its tests (a hook) is a row of its own',
      [
        { run: 1, exitCode: 0, report: green },
        {
          run: 2,
          exitCode: 1,
          report: report({ 'a.test.ts': { status: 'failed', message: 'Hook timed out', tests: {} } }),
        },
      ],
      false,
      { 'a.test.ts (file)': [1, 1], 'a.test.ts > one': [1, 0], 'a.test.ts > two': [1, 0] },
    ],
    [
      'a run without a report fails the check',
      [
        { run: 1, exitCode: 0, report: green },
        { run: 2, exitCode: null, report: undefined },
      ],
      false,
      { 'a.test.ts > one': [1, 0], 'a.test.ts > two': [1, 0] },
    ],
    [
      'a run exiting non-zero with every test passed fails the check',
      [{ run: 1, exitCode: 1, report: green }],
      false,
      { 'a.test.ts > one': [1, 0], 'a.test.ts > two': [1, 0] },
    ],
  ])('%s', (_, runs, passed, counts) => {
    const s = summarise(runs, '/repo/');
    expect(stressPassed(s)).toBe(passed);
    expect(Object.fromEntries(s.tests.map((t) => [t.id, [t.passed, t.failed]]))).toEqual(counts);
  });

  it('lists failing tests first with the first line of each failure, then a summary line', () => {
    const s = summarise(
      [
        { run: 1, exitCode: 0, report: green },
        { run: 2, exitCode: 1, report: flaky },
      ],
      '/repo/',
    );
    const lines = formatSummary(s);
    expect(lines.slice(1, 5)).toEqual([
      'per test (passed/failed over 2 runs):',
      '  FLAKY 1/1  a.test.ts > two',
      '          run 2: AssertionError: two broke',
      '  ok    2/0  a.test.ts > one',
    ]);
    expect(lines.at(-1)).toBe(
      'stress: FAIL: 1/2 runs green, 2 tests, 1 failed at least once (1 failure in all)',
    );
  });
});
