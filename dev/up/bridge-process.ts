/**
 * Runs the real bridge entry point (bridge/src/main.ts) as a child process with a config built from the
 * function definitions, the way the container runs it. Used by `npm start` and the end-to-end tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from '#dev/services/binaries';
import { guarded } from '#dev/services/process';
import { recordOf, writeRecord } from '#dev/services/run-records';
import { waitFor } from '#dev/services/wait';
import type { BridgeConfigInput } from '#shared/config/bridge-config';

export interface BridgeProcessOptions {
  readonly config: BridgeConfigInput;
  /** Extra environment (secrets, AWS credentials for the local endpoints). */
  readonly env?: Readonly<Record<string, string>>;
  /** Append the bridge's output to this file; otherwise the last 64 KiB are kept in memory. */
  readonly logFile?: string;
  /** @default 30_000 */
  readonly readyTimeoutMs?: number;
}

export interface BridgeProcess {
  readonly pid: number;
  /** `http://127.0.0.1:<port>`: /metrics, /readyz, /healthz. */
  readonly httpUrl: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: boolean;
  /** The in-memory output tail (empty when logging to a file). */
  output(): string;
  /** SIGTERM (the bridge drains), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const bridgeMain = join(projectRoot, 'bridge', 'src', 'main.ts');

export async function startBridgeProcess(options: BridgeProcessOptions): Promise<BridgeProcess> {
  const port = options.config.http?.port;
  if (!port) throw new Error('startBridgeProcess: set config.http.port to a fixed port (use freePort())');
  let fd: number | undefined;
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    fd = openSync(options.logFile, 'a');
  }
  const argv = [process.execPath, '--import', 'tsx', bridgeMain];
  // Under the owner-death guard like the services (dev/services/process.ts): killed with its parent.
  const run = guarded(process.execPath, argv.slice(1));
  const child: ChildProcess = spawn(run.command, run.args, {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NSQ_LAMBDA_CONFIG: JSON.stringify(options.config),
      NSQ_LAMBDA_EMF: 'off',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', fd ?? 'pipe', fd ?? 'pipe'],
    // Its own process group: a terminal's Ctrl-C reaches only the parent, which sends one SIGTERM (a
    // second signal would make the bridge skip its drain).
    detached: true,
  });
  if (fd !== undefined) closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the bridge (${process.execPath} ${bridgeMain})`);
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const removeRecord = writeRecord(recordOf(pid, { name: 'bridge', argv, ports: [port] }));
  let running = true;
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      process.off('exit', killOnExit);
      removeRecord();
      resolve({ code, signal });
    });
  });
  const httpUrl = `http://127.0.0.1:${port}`;
  const handle: BridgeProcess = {
    pid,
    httpUrl,
    exited,
    get running() {
      return running;
    },
    output: () => tail,
    async stop(graceMs = 30_000) {
      if (!running) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  try {
    await waitFor(
      async () => {
        if (!running)
          throw new Error(`the bridge exited during start-up:\n${tail || `(see ${options.logFile})`}`);
        return (await fetch(`${httpUrl}/readyz`)).ok;
      },
      { what: `the bridge to be ready on ${httpUrl}/readyz`, timeoutMs: options.readyTimeoutMs ?? 30_000 },
    );
  } catch (err) {
    await handle.stop(2_000);
    throw err;
  }
  return handle;
}

/** Sums a counter or gauge from Prometheus text per `subscription` label (other labels are added up). */
export function sumBySubscription(metricsText: string, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  const pattern = new RegExp(`^${metric}\\{([^}]*)\\}\\s+([0-9.eE+-]+)$`);
  for (const line of metricsText.split('\n')) {
    const m = pattern.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    const sub = /(?:^|,)subscription="([^"]*)"/.exec(m[1])?.[1];
    if (sub === undefined) continue;
    out.set(sub, (out.get(sub) ?? 0) + Number(m[2]));
  }
  return out;
}
