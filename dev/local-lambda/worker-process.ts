/**
 * The server's side of one worker process (one "execution environment"): starts it, waits for its init,
 * runs one invocation at a time with a timeout, and turns every way a worker can fail (timeout, crash,
 * out of memory, init error) into the function error Lambda would report. A worker that timed out or
 * exited is dead; the pool replaces it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { recordOf, writeRecord } from '#dev/services/run-records';
import { heapFlags } from './heap-flags.ts';
import { invokeFd, type Payload, payloadBytes, writeInvoke } from './invoke-channel.ts';
import type { InvokeContextFields, LambdaErrorPayload, MemorySample, WorkerMessage } from './protocol.ts';

export interface WorkerSpawnOptions {
  /** The bundled worker runtime (worker.mjs). */
  readonly runtimeFile: string;
  readonly bundleFile: string;
  readonly handlerExport: string;
  /** The major version of the runtime interface client the worker follows (shared/functions/runtime-client.ts). */
  readonly clientMajor: 3 | 4;
  readonly memoryMb: number;
  /** The complete environment of the process (the function's own, not the server's). */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Lambda's init phase limit. @default 10_000 */
  readonly initTimeoutMs: number;
  /**
   * How often a busy worker's RSS is read from /proc (Linux) to enforce `memoryMb` on the whole process, as
   * Lambda does (the V8 flag only caps the heap; Buffers live outside it). 0 turns it off. @default 50
   */
  readonly rssPollMs?: number;
  /** Receives every line the worker prints. */
  readonly onOutput: (line: string, stream: 'stdout' | 'stderr') => void;
}

export type InvokeOutcome =
  | ({ readonly kind: 'ok'; readonly payload: string; readonly logs: string } & MemorySample)
  | ({
      readonly kind: 'function-error';
      readonly error: LambdaErrorPayload;
      readonly logs: string;
    } & MemorySample)
  /** The worker died or was killed during the invocation; it must not be reused. */
  | { readonly kind: 'worker-lost'; readonly error: LambdaErrorPayload; readonly logs: string };

type State = 'starting' | 'idle' | 'busy' | 'dead';

let nextWorkerId = 1;
const live = new Set<WorkerProcess>();

export class WorkerProcess {
  readonly id = nextWorkerId++;
  readonly pid: number;
  readonly startedAt = Date.now();
  invocations = 0;
  rssBytes = 0;
  maxRssBytes = 0;
  initDurationMs = 0;
  #state: State = 'starting';
  #child: ChildProcess;
  #invocations: Writable;
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #removeRecord: () => void;
  #pending: ((message: WorkerMessage | { type: 'exit' }) => void) | undefined;
  #stderrTail = '';
  /** The RSS that got the worker killed for exceeding memoryMb. */
  #oomRssBytes: number | undefined;
  #outputTail = '';
  #diedWhileIdle = false;

  constructor(readonly options: WorkerSpawnOptions) {
    this.#child = spawn(
      process.execPath,
      [
        ...heapFlags(options.memoryMb),
        options.runtimeFile,
        options.bundleFile,
        options.handlerExport,
        `ric${options.clientMajor}`,
      ],
      // Invocations go on a pipe of their own (fd 4, invoke-channel.ts), the payload as bytes; the IPC
      // channel carries the worker's small messages. 'json', not 'advanced': V8's serializer makes the
      // worker hold each received message in Buffers outside the heap until a GC, and its RSS climbs over
      // ten invocations in a row: the leak detector warned about healthy functions at batch sizes of 1,000.
      {
        env: options.env,
        cwd: options.cwd,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc', 'pipe'],
        serialization: 'json',
      },
    );
    // A failed spawn or a send on a closed channel: the 'exit' event (or the kill below) ends the worker.
    this.#child.on('error', (err) => {
      this.#stderrTail = `${this.#stderrTail}\nworker process error: ${err.message}`.slice(-4096);
      this.kill();
    });
    if (this.#child.pid === undefined) throw new Error(`could not start a worker (${process.execPath})`);
    const invocations = this.#child.stdio[invokeFd];
    if (!(invocations instanceof Writable)) {
      this.#child.kill('SIGKILL');
      throw new Error('a worker was started without its invoke pipe');
    }
    // A write to a worker that died (EPIPE): its exit answers the invocation.
    invocations.on('error', () => this.kill());
    this.#invocations = invocations;
    this.pid = this.#child.pid;
    live.add(this);
    this.#removeRecord = writeRecord(recordOf(this.pid, { name: 'local-lambda worker' }));
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      this.#child[stream]?.setEncoding('utf8');
      this.#child[stream]?.on('data', (chunk: string) => {
        if (stream === 'stderr') this.#stderrTail = (this.#stderrTail + chunk).slice(-4096);
        this.#outputTail = (this.#outputTail + chunk).slice(-4096);
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) options.onOutput(line, stream);
      });
      this.#child[stream]?.on('end', () => {
        if (partial) options.onOutput(partial, stream);
      });
    }
    this.#child.on('message', (message: WorkerMessage) => this.#pending?.(message));
    this.#exit = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exitInfo = { code, signal };
        this.#diedWhileIdle = this.#state === 'idle';
        this.#state = 'dead';
        live.delete(this);
        this.#removeRecord();
        resolve({ code, signal });
        this.#pending?.({ type: 'exit' });
      });
    });
  }

  /** Ended by itself between invocations: the next one routed to it fails with Runtime.ExitError (test/parity). */
  get diedWhileIdle(): boolean {
    return this.#diedWhileIdle;
  }

  get state(): State {
    return this.#state;
  }

  get exited() {
    return this.#exit;
  }

  /** Waits for the worker's init (module import). Resolves undefined when ready, or the init error. */
  async init(): Promise<LambdaErrorPayload | undefined> {
    const message = await this.#next(this.options.initTimeoutMs);
    if (message === 'timeout') {
      this.kill();
      return {
        errorType: 'Runtime.InitTimeout',
        errorMessage: `init did not finish within ${this.options.initTimeoutMs} ms`,
      };
    }
    if (message.type === 'ready') {
      this.initDurationMs = message.initDurationMs;
      this.#memory(message);
      this.#state = 'idle';
      return undefined;
    }
    if (message.type === 'init-error') {
      this.kill();
      return message.error;
    }
    return this.#exitError('', 'during init');
  }

  /** Runs one invocation. The worker must be idle. */
  async invoke(payload: Payload, context: InvokeContextFields, timeoutMs: number): Promise<InvokeOutcome> {
    if (this.#diedWhileIdle)
      return { kind: 'worker-lost', error: await this.#exitError(context.awsRequestId, ''), logs: '' };
    if (this.#state !== 'idle') throw new Error(`worker ${this.id} is ${this.#state}, not idle`);
    this.#state = 'busy';
    this.invocations += 1;
    this.#outputTail = '';
    // A worker that died between being picked and receiving the invocation: its exit answers #next.
    writeInvoke(this.#invocations, { type: 'invoke', payloadBytes: payloadBytes(payload), context }, payload);
    const pollMs = this.options.rssPollMs ?? 50;
    const watchdog =
      pollMs > 0 ? setInterval(() => this.#enforceMemory(this.#procRssBytes()), pollMs) : undefined;
    let message: WorkerMessage | { type: 'exit' } | 'timeout';
    try {
      message = await this.#next(timeoutMs);
    } finally {
      clearInterval(watchdog);
    }
    if (message === 'timeout') {
      this.kill();
      return {
        kind: 'worker-lost',
        error: {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${context.awsRequestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
        },
        logs: '',
      };
    }
    if (message.type === 'result' && this.#enforceMemory(message.rssBytes)) {
      // It finished between two polls but above the limit: Lambda would have killed it.
      return {
        kind: 'worker-lost',
        error: await this.#exitError(context.awsRequestId, ''),
        logs: message.logs,
      };
    }
    if (message.type === 'result') {
      this.#memory(message);
      // A fatal result (uncaught exception outside the handler) means the process is exiting: never reuse it.
      if (message.fatal) this.kill();
      else if (this.#exitInfo === undefined) this.#state = 'idle';
      const memory = { rssBytes: message.rssBytes, maxRssBytes: message.maxRssBytes };
      if (message.error)
        return { kind: 'function-error', error: message.error, logs: message.logs, ...memory };
      return { kind: 'ok', payload: message.payload ?? 'null', logs: message.logs, ...memory };
    }
    return {
      kind: 'worker-lost',
      error: await this.#exitError(context.awsRequestId, ''),
      logs: this.#outputTail,
    };
  }

  /** Kills the process (SIGKILL by default); the worker is dead from now on. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.#exitInfo === undefined) {
      this.#state = 'dead';
      this.#child.kill(signal);
    }
  }

  async stop(graceMs = 2_000): Promise<void> {
    if (this.#exitInfo !== undefined) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exit;
    clearTimeout(timer);
  }

  #memory(sample: MemorySample): void {
    this.rssBytes = sample.rssBytes;
    this.maxRssBytes = Math.max(this.maxRssBytes, sample.maxRssBytes);
  }

  async #exitError(requestId: string, when: string): Promise<LambdaErrorPayload> {
    const { code, signal } = await this.#exit;
    const status = signal ? `signal: ${signal === 'SIGKILL' ? 'killed' : signal}` : `exit status ${code}`;
    const oom =
      this.#oomRssBytes !== undefined
        ? ` (out of memory: RSS ${Math.round(this.#oomRssBytes / 1024 / 1024)} MB exceeded MemorySize ${this.options.memoryMb} MB)`
        : /heap out of memory|Reached heap limit/i.test(this.#stderrTail)
          ? ' (out of memory: JavaScript heap limit reached)'
          : '';
    // Exit status 0: the process ended by itself with nothing left to run (4.x: a promise that never settles).
    const why =
      code === 0 && !signal
        ? 'without providing a reason'
        : `${when ? `${when} ` : ''}with error: ${status}${oom}`;
    return {
      errorType: 'Runtime.ExitError',
      errorMessage: `${requestId ? `RequestId: ${requestId} ` : ''}Error: Runtime exited ${why}`,
    };
  }

  /** The process's resident set from /proc, or undefined where /proc is not available. */
  #procRssBytes(): number | undefined {
    if (this.#exitInfo !== undefined) return undefined;
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      return undefined;
    }
  }

  /** Kills the worker when its RSS exceeds memoryMb. Returns true when it did. */
  #enforceMemory(rssBytes: number | undefined): boolean {
    if ((this.options.rssPollMs ?? 50) === 0 || rssBytes === undefined) return false;
    if (rssBytes <= this.options.memoryMb * 1024 * 1024) return false;
    this.#oomRssBytes = rssBytes;
    this.kill();
    return true;
  }

  #next(timeoutMs: number): Promise<WorkerMessage | { type: 'exit' } | 'timeout'> {
    if (this.#exitInfo !== undefined) return Promise.resolve({ type: 'exit' });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        resolve('timeout');
      }, timeoutMs);
      this.#pending = (message) => {
        clearTimeout(timer);
        this.#pending = undefined;
        resolve(message);
      };
    });
  }
}

/** Kills every worker still running (the server's close() stops them first; this is the last resort). */
export function killAllWorkers(): void {
  for (const w of live) w.kill();
}

process.once('exit', killAllWorkers);
