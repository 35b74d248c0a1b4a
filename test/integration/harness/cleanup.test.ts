import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';
import { waitFor } from '#dev/services/wait';

/** True while the process exists and is not a zombie (an orphan killed but not yet reaped by init). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function runFixture(file: string): { status: number | null; pids: number[]; output: string } {
  const pidFile = join(mkdtempSync(join(tmpdir(), 'fixture-')), 'pids');
  const env: NodeJS.ProcessEnv = { ...process.env, FIXTURE_PID_FILE: pidFile };
  delete env.NSQ_LAMBDA_PID_DIR; // the child run gets its own pid directory
  delete env.VITEST;
  const res = spawnSync('npx', ['vitest', 'run', '--config', 'test/fixtures/vitest.config.ts', file], {
    cwd: projectRoot,
    env,
    encoding: 'utf8',
    timeout: 90_000,
  });
  const pids = existsSync(pidFile)
    ? readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number)
    : [];
  return { status: res.status, pids, output: `${res.stdout}\n${res.stderr}` };
}

/**
 * Waits for every pid to be gone: a SIGKILL sent by the run's teardown is delivered, and the process
 * dies, after the kill() call returned, so one look just after the run could still see it.
 */
async function waitAllGone(pids: readonly number[]): Promise<number[]> {
  await waitFor(() => pids.every((p) => !isAlive(p)), {
    what: 'every service process gone',
    timeoutMs: 10_000,
  }).catch(() => undefined);
  return pids.filter(isAlive);
}

describe('test harness cleanup', () => {
  it('leaves no nsqd, nsqlookupd or redis-server behind after a failing test', async () => {
    const { status, pids, output } = runFixture('test/fixtures/failing-with-services.fixture.ts');
    expect(status, output).toBe(1);
    expect(output).toContain('failing on purpose');
    expect(pids).toHaveLength(3);
    expect(await waitAllGone(pids)).toEqual([]);
  });

  it('leaves nothing behind even when the test worker is killed', async () => {
    const { status, pids, output } = runFixture('test/fixtures/crashing-with-services.fixture.ts');
    expect(status, output).not.toBe(0);
    expect(pids).toHaveLength(2);
    // The kernel SIGKILLs them with the worker (their parent-death signal); the teardown's records catch
    // any it missed. Either way they are gone within moments of the run's end.
    await waitFor(() => pids.filter(isAlive).length === 0, {
      what: `the killed worker's nsqd and redis-server to exit (alive: ${pids.filter(isAlive).join(', ')})`,
      timeoutMs: 2_000,
    });
  });
});
