import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StartProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Keep at most this many bytes of combined output for error messages. @default 64 KiB */
  readonly maxOutputBytes?: number;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * A child process that is always cleaned up: by `stop()`, by `stopAllProcesses()`, when this
 * process exits, and (through the pid directory in NSQ_LAMBDA_PID_DIR) by the test run's global
 * teardown even if this process is killed.
 */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  #child: ChildProcess;
  #output = '';
  #maxOutputBytes: number;
  #exit: ProcessExit | undefined;
  #pidFile: string | undefined;

  constructor(options: StartProcessOptions) {
    this.name = options.name;
    this.#maxOutputBytes = options.maxOutputBytes ?? 64 * 1024;
    this.#child = spawn(options.command, [...options.args], {
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
        if (this.#pidFile) rmSync(this.#pidFile, { force: true });
        resolve(this.#exit);
      });
    });
    live.add(this);
    const pidDir = process.env.NSQ_LAMBDA_PID_DIR;
    if (pidDir) {
      mkdirSync(pidDir, { recursive: true });
      this.#pidFile = join(pidDir, String(pid));
      writeFileSync(this.#pidFile, `${options.name}\n`);
    }
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

/** The processes this module started that are still running. */
export function liveProcesses(): readonly ManagedProcess[] {
  return [...live];
}

process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});
