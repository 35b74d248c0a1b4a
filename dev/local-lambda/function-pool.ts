/**
 * The warm pool of one function: worker processes that each run one invocation at a time, reused while
 * warm (module scope survives), started on demand (a cold start), capped by the function's reserved
 * concurrency (or the server's unreserved limit), replaced when they time out, crash or run out of memory.
 * It also writes Lambda's START/END/REPORT lines, samples each worker's RSS and runs the leak detector.
 */
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { FunctionBundle } from '#shared/functions/bundling';
import type { FunctionDefinition } from '#shared/functions/definition';
import { runtimeClient } from '#shared/functions/runtime-client';
import type { Payload } from './invoke-channel.ts';
import { LeakDetector, type LeakDetectorOptions } from './leak-detector.ts';
import type { InvokeContextFields, LambdaErrorPayload } from './protocol.ts';
import { type InvokeOutcome, WorkerProcess } from './worker-process.ts';

export interface PoolSettings {
  readonly runtimeFile: string;
  /** The Lambda runtime emulated (`nodejs24.x`): AWS_EXECUTION_ENV and its client's behaviour. */
  readonly lambdaRuntime: string;
  readonly region: string;
  readonly accountId: string;
  /** Concurrency limit for functions without reserved concurrency (Lambda's unreserved pool). */
  readonly unreservedConcurrency: number;
  readonly initTimeoutMs: number;
  /** RSS poll interval enforcing memoryMb on the whole worker process; 0 = heap cap only. */
  readonly rssPollMs: number;
  /** Extra variables for this function's environment (local wiring: endpoints, local credentials). */
  readonly extraEnvironment: Readonly<Record<string, string>>;
  readonly leakDetector: LeakDetectorOptions;
  readonly log: (line: string) => void;
}

export interface WorkerStats {
  readonly id: number;
  readonly pid: number;
  readonly state: string;
  readonly invocations: number;
  readonly rssBytes: number;
  readonly maxRssBytes: number;
  /** RSS after each of the last invocations, oldest first (at most 50). */
  readonly rssHistory: readonly number[];
}

export interface FunctionStats {
  readonly name: string;
  invocations: number;
  coldStarts: number;
  /** Invocations that ended in a function error of any kind (Unhandled). */
  functionErrors: number;
  timeouts: number;
  /** Workers lost to a crash or out of memory during an invocation. */
  crashes: number;
  throttles: number;
  eventInvocations: number;
  leakWarnings: number;
  /** Invocations running now, including workers still starting for them. */
  inFlight: number;
  /** Event invocations waiting for a free worker. */
  queuedEvents: number;
  workers: WorkerStats[];
}

export type PoolResult =
  | { readonly kind: 'throttled'; readonly reason: string; readonly limit: number }
  | {
      readonly kind: 'done';
      readonly outcome: InvokeOutcome;
      readonly cold: boolean;
      /** Lambda's log lines for this invocation: START, the function's output, END, REPORT. */
      readonly log: string;
    };

const maxRssHistory = 50;

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

export class FunctionPool {
  /** Live counters (use snapshot() for a copy with the workers). */
  readonly stats: Omit<FunctionStats, 'workers'>;
  readonly functionArn: string;
  readonly #definition: FunctionDefinition;
  readonly #bundle: FunctionBundle;
  readonly #settings: PoolSettings;
  readonly #idle: WorkerProcess[] = [];
  readonly #all = new Set<WorkerProcess>();
  readonly #history = new Map<WorkerProcess, number[]>();
  readonly #detectors = new Map<WorkerProcess, LeakDetector>();
  readonly #logStreams = new Map<WorkerProcess, string>();
  readonly #eventQueue: { payload: Payload; requestId: string }[] = [];
  #inUse = 0;
  #closed = false;

  constructor(definition: FunctionDefinition, bundle: FunctionBundle, settings: PoolSettings) {
    this.#definition = definition;
    this.#bundle = bundle;
    this.#settings = settings;
    this.functionArn = `arn:aws:lambda:${settings.region}:${settings.accountId}:function:${definition.name}`;
    this.stats = {
      name: definition.name,
      invocations: 0,
      coldStarts: 0,
      functionErrors: 0,
      timeouts: 0,
      crashes: 0,
      throttles: 0,
      eventInvocations: 0,
      leakWarnings: 0,
      inFlight: 0,
      queuedEvents: 0,
    };
  }

  get definition(): FunctionDefinition {
    return this.#definition;
  }

  /** Reserved concurrency if set, else the server's unreserved limit. */
  get concurrencyLimit(): number {
    return this.#definition.reservedConcurrency ?? this.#settings.unreservedConcurrency;
  }

  /** Invocations running now (including workers starting for them). */
  get inUse(): number {
    return this.#inUse;
  }

  #setInUse(value: number): void {
    this.#inUse = value;
    this.stats.inFlight = value;
    this.stats.queuedEvents = this.#eventQueue.length;
  }

  /** The Lambda runtime this pool emulates. */
  get lambdaRuntime(): string {
    return this.#settings.lambdaRuntime;
  }

  /** The environment a worker of this function sees: its own variables, never the server's. */
  environment(logStreamName: string): NodeJS.ProcessEnv {
    const d = this.#definition;
    const keep: Record<string, string> = {};
    for (const key of ['PATH', 'LANG', 'SYSTEMROOT', 'TMPDIR'] as const) {
      const value = process.env[key];
      if (value !== undefined) keep[key] = value;
    }
    return {
      ...keep,
      ...d.environment,
      ...this.#settings.extraEnvironment,
      // What infra sets on every deployed function (infra/lib/nsq-lambda-function.ts).
      NSQ_LAMBDA_FUNCTION: d.name,
      NODE_OPTIONS: '--enable-source-maps',
      TZ: ':UTC',
      AWS_REGION: this.#settings.region,
      AWS_DEFAULT_REGION: this.#settings.region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${this.#settings.lambdaRuntime}`,
      AWS_LAMBDA_FUNCTION_NAME: d.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(d.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${d.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: dirname(this.#bundle.file),
      _HANDLER: `index.${d.handlerExport}`,
    };
  }

  /** A synchronous (RequestResponse) invocation. Never throws for function failures. */
  async invoke(payload: Payload, requestId: string, invokedFunctionArn: string): Promise<PoolResult> {
    if (this.#inUse >= this.concurrencyLimit) {
      this.stats.throttles += 1;
      return {
        kind: 'throttled',
        limit: this.concurrencyLimit,
        reason:
          this.#definition.reservedConcurrency !== undefined
            ? 'ReservedFunctionConcurrentInvocationLimitExceeded'
            : 'ConcurrentInvocationLimitExceeded',
      };
    }
    this.#setInUse(this.#inUse + 1);
    try {
      return await this.#run(payload, requestId, invokedFunctionArn);
    } finally {
      this.#setInUse(this.#inUse - 1);
      this.#drainEvents();
    }
  }

  /** An asynchronous (Event) invocation: queued when the pool is full, run when a worker frees up. */
  enqueueEvent(payload: Payload, requestId: string): void {
    this.stats.eventInvocations += 1;
    this.#eventQueue.push({ payload, requestId });
    this.stats.queuedEvents = this.#eventQueue.length;
    this.#drainEvents();
  }

  #drainEvents(): void {
    while (!this.#closed && this.#eventQueue.length > 0 && this.#inUse < this.concurrencyLimit) {
      const next = this.#eventQueue.shift();
      if (!next) return;
      this.#setInUse(this.#inUse + 1);
      void this.#run(next.payload, next.requestId, this.functionArn)
        .catch((err: unknown) =>
          this.#settings.log(`[${this.#definition.name}] event invocation failed: ${err}`),
        )
        .finally(() => {
          this.#setInUse(this.#inUse - 1);
          this.#drainEvents();
        });
    }
  }

  async #run(payload: Payload, requestId: string, invokedFunctionArn: string): Promise<PoolResult> {
    const d = this.#definition;
    this.stats.invocations += 1;
    let worker = this.#takeIdle();
    const cold = worker === undefined;
    if (!worker) {
      this.stats.coldStarts += 1;
      worker = this.#spawn();
      const initStarted = performance.now();
      const initError = await worker.init();
      if (initError) {
        const initMs = performance.now() - initStarted;
        this.#settings.log(
          `[${d.name}] INIT_REPORT Init Duration: ${initMs.toFixed(2)} ms\tPhase: init\tStatus: error\tError Type: ${initError.errorType}\tWorker: ${worker.id} (pid ${worker.pid})`,
        );
        this.stats.functionErrors += 1;
        const outcome: InvokeOutcome = { kind: 'worker-lost', error: initError, logs: '' };
        return { kind: 'done', outcome, cold, log: this.#logInvocation(requestId, worker, outcome, 0, cold) };
      }
    }
    const timeoutMs = d.timeoutSec * 1000;
    const context: InvokeContextFields = {
      awsRequestId: requestId,
      functionName: d.name,
      functionVersion: '$LATEST',
      invokedFunctionArn,
      memoryLimitInMB: String(d.memoryMb),
      logGroupName: `/aws/lambda/${d.name}`,
      logStreamName: this.#logStream(worker),
      deadlineMs: Date.now() + timeoutMs,
      // Lambda passes the invocation's X-Ray trace header; the local Lambda has no X-Ray, and sends the empty
      // header RIE sends (so 4.x's context.xRayTraceId is "" and _X_AMZN_TRACE_ID stays unset).
      xRayTraceId: '',
    };
    const started = performance.now();
    const outcome = await worker.invoke(payload, context, timeoutMs);
    const durationMs = performance.now() - started;
    if (outcome.kind !== 'ok') this.stats.functionErrors += 1;
    if (outcome.kind === 'worker-lost') {
      if (outcome.error.errorType === 'Sandbox.Timedout') this.stats.timeouts += 1;
      else this.stats.crashes += 1;
    } else {
      this.#sample(worker, outcome.rssBytes);
    }
    if (worker.state === 'idle' && !this.#closed) this.#idle.push(worker);
    const log = this.#logInvocation(requestId, worker, outcome, durationMs, cold);
    return { kind: 'done', outcome, cold, log };
  }

  #takeIdle(): WorkerProcess | undefined {
    // Most recently used first, like Lambda, so a small load keeps few environments warm.
    while (this.#idle.length > 0) {
      const w = this.#idle.pop();
      if (w && (w.state === 'idle' || w.diedWhileIdle)) return w;
    }
    return undefined;
  }

  #logStream(worker: WorkerProcess): string {
    return this.#logStreams.get(worker) ?? 'unknown';
  }

  #spawn(): WorkerProcess {
    const name = this.#definition.name;
    const workerRef: { id?: number } = {};
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const logStream = `${day}/[$LATEST]${randomBytes(16).toString('hex')}`;
    const worker = new WorkerProcess({
      runtimeFile: this.#settings.runtimeFile,
      bundleFile: this.#bundle.file,
      handlerExport: this.#bundle.handlerExport,
      clientMajor: runtimeClient(this.#settings.lambdaRuntime).major,
      memoryMb: this.#definition.memoryMb,
      env: this.environment(logStream),
      cwd: dirname(this.#bundle.file),
      initTimeoutMs: this.#settings.initTimeoutMs,
      rssPollMs: this.#settings.rssPollMs,
      onOutput: (line) => this.#settings.log(`[${name}#${workerRef.id ?? '?'}] ${line}`),
    });
    workerRef.id = worker.id;
    this.#all.add(worker);
    this.#history.set(worker, []);
    this.#logStreams.set(worker, logStream);
    this.#detectors.set(worker, new LeakDetector(this.#settings.leakDetector));
    void worker.exited.then(({ code, signal }) => {
      // A worker that ended by itself while idle stays in the idle list: the next invocation routed to it
      // fails with Runtime.ExitError, as Lambda reports it (worker-process.ts diedWhileIdle).
      if (this.#idle.includes(worker) && !this.#closed)
        this.#settings.log(
          `[${name}] worker ${worker.id} (pid ${worker.pid}) exited while idle (${signal ?? `code ${code}`}); the next invocation routed to it fails with Runtime.ExitError`,
        );
      this.#all.delete(worker);
      this.#detectors.delete(worker);
      this.#history.delete(worker);
      this.#logStreams.delete(worker);
    });
    return worker;
  }

  #sample(worker: WorkerProcess, rssBytes: number): void {
    const history = this.#history.get(worker);
    if (history) {
      history.push(rssBytes);
      if (history.length > maxRssHistory) history.shift();
    }
    const warning = this.#detectors.get(worker)?.add(rssBytes);
    if (warning) {
      this.stats.leakWarnings += 1;
      this.#settings.log(
        `[${this.#definition.name}] WARNING possible memory leak: worker ${worker.id} (pid ${worker.pid}) RSS grew ` +
          `${mib(warning.growthBytes)} MiB over its last ${warning.samples.length} invocations ` +
          `(${warning.samples.map(mib).join(' → ')} MiB). Long-lived globals survive between invocations in a warm Lambda.`,
      );
    }
  }

  /** A copy of the counters with the current workers (RSS included). */
  snapshot(): FunctionStats {
    return {
      ...this.stats,
      workers: [...this.#all].map((w) => ({
        id: w.id,
        pid: w.pid,
        state: w.state,
        invocations: w.invocations,
        rssBytes: w.rssBytes,
        maxRssBytes: w.maxRssBytes,
        rssHistory: [...(this.#history.get(w) ?? [])],
      })),
    };
  }

  #logInvocation(
    requestId: string,
    worker: WorkerProcess,
    outcome: InvokeOutcome,
    durationMs: number,
    cold: boolean,
  ): string {
    const d = this.#definition;
    const error: LambdaErrorPayload | undefined = outcome.kind === 'ok' ? undefined : outcome.error;
    const report = [
      `REPORT RequestId: ${requestId}`,
      `Duration: ${durationMs.toFixed(2)} ms`,
      `Billed Duration: ${Math.ceil(durationMs)} ms`,
      `Memory Size: ${d.memoryMb} MB`,
      `Max Memory Used: ${Math.round(worker.maxRssBytes / 1024 / 1024)} MB`,
      ...(cold ? [`Init Duration: ${worker.initDurationMs.toFixed(2)} ms`] : []),
      `RSS: ${mib(worker.rssBytes)} MiB`,
      `Worker: ${worker.id} (pid ${worker.pid}, ${worker.invocations} invocations)`,
      ...(error ? [`Status: ${error.errorType}`] : []),
    ].join('\t');
    const log = [
      `START RequestId: ${requestId} Version: $LATEST`,
      ...(outcome.logs ? [outcome.logs.replace(/\n$/, '')] : []),
      ...(error && outcome.kind === 'worker-lost'
        ? [`${requestId}\t${error.errorType}\t${error.errorMessage}`]
        : []),
      `END RequestId: ${requestId}`,
      report,
      '',
    ].join('\n');
    this.#settings.log(`[${d.name}] ${report}`);
    return log;
  }

  /** Stops every worker. Queued Event invocations are dropped (and logged). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#eventQueue.length > 0)
      this.#settings.log(
        `[${this.#definition.name}] dropping ${this.#eventQueue.length} queued Event invocation(s) on close`,
      );
    this.#eventQueue.length = 0;
    this.#idle.length = 0;
    await Promise.all([...this.#all].map((w) => w.stop()));
  }
}
