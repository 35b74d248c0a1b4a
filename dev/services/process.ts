import { type ChildProcess, spawn } from 'node:child_process';
import { systemBinary } from './binaries.ts';
import { recordOf, writeRecord } from './run-records.ts';

export interface StartProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Keep at most this many bytes of combined output for error messages. @default 64 KiB */
  readonly maxOutputBytes?: number;
  /** The ports it listens on, for its run record (and the next run's leftover line). */
  readonly ports?: readonly number[];
  /** Its throw-away directories: the next run removes them with a leftover. */
  readonly dirs?: readonly string[];
}

/**
 * The command line that runs `command` under the owner-death guard: `setpriv --pdeathsig KILL` (util-linux)
 * sets Linux's parent-death signal and then execs the command, so the kernel SIGKILLs it the moment the
 * process that started it dies, however it dies (kill -9, out of memory). nsqd, redis-server and MinIO
 * cannot watch their parent themselves, and Node cannot set PR_SET_PDEATHSIG on a child. After the exec
 * the pid and /proc/<pid>/cmdline are the command's own, so run records stay exact.
 */
export function guarded(command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: setprivBinary(), args: ['--pdeathsig', 'KILL', '--', command, ...args] };
}

/** setpriv from util-linux; throws saying how to get it. */
export function setprivBinary(): string {
  try {
    return systemBinary('setpriv');
  } catch (err) {
    throw new Error('setpriv not found on PATH: install util-linux (Debian: apt-get install -y util-linux)', {
      cause: err,
    });
  }
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A child process that is always cleaned up: by `stop()`, by `stopAllProcesses()`, when this process
 * exits, by the kernel when this process dies without cleaning up (`guarded`), and through its run
 * record in NSQ_LAMBDA_PID_DIR (dev/services/run-records.ts) by the next run or the test run's teardown.
 */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  #child: ChildProcess;
  #output = '';
  #maxOutputBytes: number;
  #exit: ProcessExit | undefined;
  #removeRecord: () => void = () => {};
  readonly #recordFields: { name: string; ports?: readonly number[]; dirs?: readonly string[] };

  constructor(options: StartProcessOptions) {
    this.name = options.name;
    this.#maxOutputBytes = options.maxOutputBytes ?? 64 * 1024;
    const run = guarded(options.command, options.args);
    this.#child = spawn(run.command, run.args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // `npm start` sets this so a terminal's Ctrl-C reaches only dev/up.ts, which then stops the
      // services in order (the bridge drains before nsqd stops). Cleanup is unchanged: stop(), the exit
      // handler and the pid directory all still apply.
      detached: process.env.NSQ_LAMBDA_SERVICES_OWN_PROCESS_GROUP === '1',
    });
    const pid = this.#child.pid;
    if (pid === undefined) throw new Error(`could not start ${options.name} (${options.command})`);
    this.pid = pid;
    const append = (chunk: Buffer) => {
      this.#output += chunk.toString('utf8');
      if (this.#output.length > this.#maxOutputBytes)
        this.#output = this.#output.slice(-this.#maxOutputBytes);
    };
    this.#child.stdout?.on('data', append);
    this.#child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        live.delete(this);
        this.#removeRecord();
        resolve(this.#exit);
      });
    });
    live.add(this);
    this.#recordFields = { name: options.name, ports: options.ports, dirs: options.dirs };
    // The command line it will have after setpriv's exec (it may not have happened yet).
    this.#removeRecord = writeRecord(
      recordOf(pid, { ...this.#recordFields, argv: [options.command, ...options.args] }),
    );
  }

  /**
   * Records the command line as /proc shows it now: call once the process is ready when it rewrites its
   * own (redis-server shows `redis-server 127.0.0.1:<port>`), so the next run can still prove it is ours.
   */
  recordAsRunning(): void {
    if (this.running) this.#removeRecord = writeRecord(recordOf(this.pid, this.#recordFields));
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  get exitStatus(): ProcessExit | undefined {
    return this.#exit;
  }

  /** The last lines the process printed (stdout and stderr). */
  output(): string {
    return this.#output;
  }

  /** Sends a signal without waiting. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.#child.kill(signal);
  }

  /** Stops the process: `signal`, then SIGKILL after `graceMs`. Resolves once it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<ProcessExit> {
    if (!this.running) return this.exited;
    this.#child.kill(signal);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

const live = new Set<ManagedProcess>();

export function startProcess(options: StartProcessOptions): ManagedProcess {
  return new ManagedProcess(options);
}

/** Stops every process this module started that is still running. */
export async function stopAllProcesses(graceMs = 2_000): Promise<void> {
  await Promise.all([...live].map((p) => p.stop('SIGTERM', graceMs)));
}

process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});
