/**
 * `npm start` and `npm run bench` launched as a user or a supervisor does (npm is the top process), for
 * the tests of how they stop: what the run consists of, each way of stopping it, and how long until every
 * process of it is gone.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, systemBinary } from '#dev/services/binaries';
import { isPortOpen } from '#dev/services/ports';
import { type ProcessRecord, readRecords } from '#dev/services/run-records';
import { waitFor } from '#dev/services/wait';
import {
  descendants,
  describeProcess,
  identify,
  isRunning,
  listenerOf,
  type ProcessId,
} from './process-tree.ts';

export type StopHow = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'kill -9 of the orchestrator';

export interface LaunchedRun {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stdout(): string;
  stderr(): string;
}

const launched: ChildProcess[] = [];

/**
 * `command <args>` in its own process group (like a job in a terminal: a Ctrl-C is a SIGINT to the whole
 * group), its output captured; killLaunched() is the last resort for it.
 */
export function launch(command: string, args: readonly string[], env: NodeJS.ProcessEnv): LaunchedRun {
  const child = spawn(command, [...args], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  launched.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** `npm <args>` in its own process group with a private run root (planted leftovers stay the test's own). */
export function launchNpm(args: readonly string[], runRoot: string): LaunchedRun {
  const env: NodeJS.ProcessEnv = { ...process.env, NSQ_LAMBDA_RUN_ROOT: runRoot };
  delete env.NSQ_LAMBDA_PID_DIR;
  return launch('npm', args, env);
}

/**
 * `npm <args>` on a pseudo-terminal of the given size, as in a terminal window: util-linux `script` runs it
 * as the session leader of a new terminal, and its output (what the terminal received) is `stdout()`.
 */
export function launchNpmInTerminal(
  args: readonly string[],
  runRoot: string,
  size: { readonly columns: number; readonly rows: number },
): LaunchedRun {
  const env: NodeJS.ProcessEnv = { ...process.env, NSQ_LAMBDA_RUN_ROOT: runRoot };
  delete env.NSQ_LAMBDA_PID_DIR;
  const quoted = args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const command = `stty cols ${size.columns} rows ${size.rows} && exec npm ${quoted}`;
  let script: string;
  try {
    script = systemBinary('script');
  } catch (err) {
    throw new Error('script not found on PATH: install util-linux (Debian: apt-get install -y bsdutils)', {
      cause: err,
    });
  }
  return launch(script, ['--quiet', '--return', '--command', command, '/dev/null'], env);
}

/**
 * Ctrl-C on the terminal of a launchNpmInTerminal run: SIGINT to the terminal's foreground process group,
 * which is npm's (it leads the terminal's session, and its group).
 */
export function pressCtrlC(run: LaunchedRun): void {
  const script = run.child.pid ?? 0;
  const npm = Number(readFileSync(`/proc/${script}/task/${script}/children`, 'utf8').trim().split(' ')[0]);
  if (!npm) throw new Error('the terminal runs no process');
  process.kill(-npm, 'SIGINT');
}

/** Last resort for afterAll: SIGKILL the process group of every launched run still running. */
export function killLaunched(): void {
  for (const child of launched) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Every record under a run root (all runs), owner records left out. */
export function recordsUnder(runRoot: string): ProcessRecord[] {
  let dirs: string[] = [];
  try {
    dirs = readdirSync(runRoot);
  } catch {
    return [];
  }
  return dirs.flatMap((d) => readRecords(join(runRoot, d)));
}

/** The processes of a run now: npm, everything under it, and whatever its records name (re-parented or not). */
export function processesOf(run: LaunchedRun, runRoot: string): ProcessId[] {
  const pid = run.child.pid ?? 0;
  const all = new Map<number, ProcessId>();
  for (const p of [identify(pid), ...descendants(pid), ...recordsUnder(runRoot).map((r) => identify(r.pid))])
    if (p && isRunning(p)) all.set(p.pid, p);
  return [...all.values()];
}

/**
 * Stops the run the given way and waits until none of its processes runs and none of its records names a
 * running process; then every port is checked free (nothing of the run is left to hold one). Returns the
 * time from the signal until the last process was gone.
 */
export async function stopAndMeasure(
  run: LaunchedRun,
  runRoot: string,
  how: StopHow,
  orchestrator: RegExp,
  ports: readonly number[],
  timeoutMs: number,
): Promise<{ elapsedMs: number; processes: ProcessId[] }> {
  const before = processesOf(run, runRoot);
  const recordedPorts = recordsUnder(runRoot).flatMap((r) => r.ports);
  const top = run.child.pid ?? 0;
  const t0 = performance.now();
  if (how === 'kill -9 of the orchestrator') {
    // dev/node.mjs names the script too, as an argument: the orchestrator is the Node process running it.
    const main = before.find(
      (p) => p.argv.some((a) => orchestrator.test(a)) && !p.argv.some((a) => a.endsWith('dev/node.mjs')),
    );
    if (!main) throw new Error(`no orchestrator among ${before.map(describeProcess).join('; ')}`);
    process.kill(main.pid, 'SIGKILL');
  } else process.kill(top, how);
  // Also what the run started after the snapshot: its records name it.
  const still = () => [...before.filter(isRunning), ...recordsUnder(runRoot).filter(isRunning)];
  await waitFor(() => still().length === 0, {
    what: `every process of the run to exit after ${how}`,
    timeoutMs,
    intervalMs: 20,
  }).catch((err: Error) => {
    throw new Error(`${err.message}; still running: ${still().map(describeProcess).join('; ')}`, {
      cause: err,
    });
  });
  const elapsedMs = performance.now() - t0;
  // Every process of the run is gone, so none can hold a port any more; a port can still look busy for a
  // moment when a process elsewhere probes it (another stack's preflight binds each port briefly). Wait for
  // all to be free, and name the holder of any that stays taken.
  const allPorts = [...new Set([...ports, ...recordedPorts])];
  const busy = async () => {
    const out: number[] = [];
    for (const port of allPorts) if (await isPortOpen(port)) out.push(port);
    return out;
  };
  await waitFor(async () => (await busy()).length === 0, {
    what: 'the ports to be free',
    timeoutMs: 5_000,
  }).catch(async (err: Error) => {
    const holders = (await busy()).map((port) => {
      const holder = listenerOf(port);
      const ours = holder && before.some((p) => p.pid === holder.pid && p.startTicks === holder.startTicks);
      return `${port} (${holder ? `${ours ? 'the run' : 'not the run'}: ${describeProcess(holder)}` : 'holder not found'})`;
    });
    throw new Error(`ports still in use after ${how}: ${holders.join(', ')}`, { cause: err });
  });
  return { elapsedMs, processes: before };
}

/** Writes a run directory whose owner is gone, holding `records`: what a killed run leaves behind. */
export function plantDeadRun(runRoot: string, records: readonly ProcessRecord[]): string {
  const gone = spawnSync('true');
  const ownerPid = gone.pid ?? 1;
  const dir = join(runRoot, `${ownerPid}`);
  mkdirSync(dir, { recursive: true });
  const owner: ProcessRecord = {
    name: 'owner',
    pid: ownerPid,
    startTicks: 0,
    argv: ['true'],
    ports: [],
    dirs: [],
  };
  writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
  for (const r of records) writeFileSync(join(dir, `${r.pid}.json`), JSON.stringify(r));
  return dir;
}
