/**
 * The local stack never outlives its owner (issue 20), with real processes: `npm start -- --dev` and
 * `npm run bench -- --quick` launched under npm, stopped each way a terminal, a supervisor or a crash
 * stops them (SIGTERM, SIGINT, SIGHUP to npm; SIGKILL of the orchestrator), then every process of the run
 * must be gone and every port free, and the next start must come up. A planted leftover of a dead run is
 * stopped by the next start; a process the records cannot prove is ours is left alone.
 *
 * One file, cases in order (each start is the "next start" of the case before), on the fixed default
 * ports of `npm start`: no other test file uses them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isPortOpen } from '#dev/services/ports';
import { redisServerArgs } from '#dev/services/redis';
import { type ProcessRecord, procArgv, recordOf } from '#dev/services/run-records';
import { waitFor } from '#dev/services/wait';
import { defaultPorts } from '#dev/up/stack-ports';
import {
  killLaunched,
  type LaunchedRun,
  launchNpm,
  plantDeadRun,
  recordsUnder,
  type StopHow,
  stopAndMeasure,
} from '#test/harness/launched-run';
import { identify, isRunning } from '#test/harness/process-tree';

const runRoot = mkdtempSync(join(tmpdir(), 'nsq-lambda-runs-'));
const stackPorts = Object.values(defaultPorts);
const planted: ChildProcess[] = [];
const timings: string[] = [];

afterAll(() => {
  killLaunched();
  for (const p of planted) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(runRoot, { recursive: true, force: true });
  if (timings.length > 0)
    process.stdout.write(`stack lifecycle, signal to last process gone:\n${timings.join('\n')}\n`);
});

/** A process started the way a dead run's would be left: outside any run, in its own process group. */
function startPlanted(command: string, args: readonly string[]): ChildProcess {
  const child = spawn(command, [...args], { stdio: 'ignore', detached: true });
  planted.push(child);
  return child;
}

async function listening(port: number, child: ChildProcess): Promise<void> {
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`planted process exited (${child.exitCode})`);
      return isPortOpen(port);
    },
    { what: `the planted process on port ${port}` },
  );
}

const startUp = () => launchNpm(['start', '--', '--dev'], runRoot);
const startBench = () => launchNpm(['run', 'bench', '--', '--quick'], runRoot);

async function cameUp(run: LaunchedRun, ready: (run: LaunchedRun) => boolean, what: string): Promise<void> {
  await waitFor(() => ready(run) || run.child.exitCode !== null, {
    what,
    timeoutMs: 150_000,
    intervalMs: 100,
  });
  expect(run.child.exitCode, `${run.stdout()}\n${run.stderr()}`).toBeNull();
}
const stackUp = (run: LaunchedRun) =>
  cameUp(run, (r) => r.stdout().includes('nsq-lambda is running locally'), 'npm start to come up');
/** Halfway: one trial measured and another one running (its nsqd and its consumer recorded and alive). */
async function benchHalfway(run: LaunchedRun): Promise<void> {
  await cameUp(run, (r) => / r0: \d+ msgs\/s/.test(r.stderr()), 'the first bench trial');
  await cameUp(
    run,
    () => {
      const running = recordsUnder(runRoot).filter(isRunning);
      return running.some((r) => r.name === 'nsqd') && running.length >= 2;
    },
    'a bench trial with its nsqd and consumer running',
  );
}

async function stop(run: LaunchedRun, how: StopHow, which: 'npm start' | 'bench', ports: readonly number[]) {
  const clean = how !== 'kill -9 of the orchestrator';
  // kill -9 leaves no time for a drain: the parent-death guard must act within about two seconds.
  const { elapsedMs, processes } = await stopAndMeasure(
    run,
    runRoot,
    how,
    which === 'npm start' ? /dev\/up\.ts$/ : /bench\/main\.ts$/,
    ports,
    clean ? 30_000 : 5_000,
  );
  timings.push(`  ${which} ${how}: ${processes.length} processes gone in ${Math.round(elapsedMs)} ms`);
  expect(processes.length).toBeGreaterThanOrEqual(which === 'npm start' ? 8 : 5);
  await run.exited;
  if (clean) expect(which === 'npm start' ? run.stdout() : run.stderr()).toMatch(/stopped\.\n/);
}

describe('npm start -- --dev', () => {
  it('leaves a foreign process on a stack port alone and names the port', async () => {
    const port = defaultPorts.lambda;
    const foreign = startPlanted(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${port}, '127.0.0.1')`,
    ]);
    await listening(port, foreign);
    const id = identify(foreign.pid ?? 0);
    if (!id) throw new Error('the foreign process is gone');
    // A record of a dead run naming its pid, as if the kernel had handed that pid on: not provably ours.
    plantDeadRun(runRoot, [
      { ...recordOf(id.pid, { name: 'local-lambda', ports: [port] }), startTicks: id.startTicks - 1 },
    ]);
    const up = startUp();
    const exit = await up.exited;
    expect(exit.code).toBe(1);
    expect(up.stderr()).toContain(`port ${port} (local Lambda) on 127.0.0.1 is already in use`);
    expect(up.stdout()).not.toContain('left by an earlier run');
    expect(isRunning(id)).toBe(true);
    expect(await isPortOpen(port)).toBe(true);
    foreign.kill('SIGKILL');
    await waitFor(async () => !(await isPortOpen(port)), { what: `port ${port} to be free again` });
  }, 60_000);

  it('stops a leftover of a dead run, comes up, and SIGTERM to npm stops the whole stack', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'planted-redis-'));
    const redis = startPlanted('redis-server', redisServerArgs(defaultPorts.redis, dataDir));
    await listening(defaultPorts.redis, redis);
    // redis-server retitles itself after it starts listening: record the command line it keeps.
    await waitFor(() => procArgv(redis.pid ?? 0)?.[0]?.startsWith('redis-server 127.0.0.1:'), {
      what: 'the planted redis-server to retitle itself',
    });
    const record: ProcessRecord = recordOf(redis.pid ?? 0, {
      name: 'redis-server',
      ports: [defaultPorts.redis],
      dirs: [dataDir],
    });
    plantDeadRun(runRoot, [record]);
    const up = startUp();
    await stackUp(up);
    expect(up.stdout()).toContain(
      `stopped 1 process left by an earlier run: redis-server (pid ${record.pid}, port ${defaultPorts.redis})`,
    );
    expect(isRunning(record)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    await stop(up, 'SIGTERM', 'npm start', stackPorts);
  }, 200_000);

  for (const how of ['SIGINT', 'SIGHUP', 'kill -9 of the orchestrator', 'SIGTERM'] as const) {
    it(`comes up again, and ${how} ${how.startsWith('SIG') ? 'to npm ' : ''}stops the whole stack`, async () => {
      const up = startUp();
      await stackUp(up);
      expect(up.stdout()).not.toContain('left by an earlier run');
      await stop(up, how, 'npm start', stackPorts);
    }, 200_000);
  }
});

describe('npm run bench -- --quick, stopped halfway through', () => {
  it('stops a leftover of a dead run, leaves an unprovable one alone, and SIGTERM to npm stops it all', async () => {
    const [tcp, http] = [await freePort(), await freePort()];
    const dataDir = mkdtempSync(join(tmpdir(), 'planted-nsqd-'));
    const nsqd = startPlanted(join(process.cwd(), '.cache', 'bin', 'nsqd'), [
      `--tcp-address=127.0.0.1:${tcp}`,
      `--http-address=127.0.0.1:${http}`,
      `--data-path=${dataDir}`,
    ]);
    await listening(http, nsqd);
    const stranger = startPlanted('sleep', ['600']);
    const strangerId = identify(stranger.pid ?? 0);
    if (!strangerId) throw new Error('the stranger is gone');
    const leftover = recordOf(nsqd.pid ?? 0, { name: 'nsqd', ports: [tcp, http], dirs: [dataDir] });
    // Its pid with another command line: a record that cannot prove this process is the run's.
    plantDeadRun(runRoot, [leftover, { ...recordOf(strangerId.pid, { name: 'nsqd' }), argv: ['nsqd'] }]);
    const bench = startBench();
    await benchHalfway(bench);
    expect(bench.stderr()).toContain(
      `stopped 1 process left by an earlier run: nsqd (pid ${leftover.pid}, port ${tcp}/${http})`,
    );
    expect(isRunning(leftover)).toBe(false);
    expect(isRunning(strangerId)).toBe(true);
    stranger.kill('SIGKILL');
    await stop(bench, 'SIGTERM', 'bench', []);
  }, 200_000);

  for (const how of ['SIGINT', 'SIGHUP', 'kill -9 of the orchestrator', 'SIGTERM'] as const) {
    it(`runs again, and ${how} ${how.startsWith('SIG') ? 'to npm ' : ''}stops it all`, async () => {
      const bench = startBench();
      await benchHalfway(bench);
      expect(bench.stderr()).not.toContain('left by an earlier run');
      await stop(bench, how, 'bench', []);
    }, 200_000);
  }
});
