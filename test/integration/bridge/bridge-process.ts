/**
 * Runs bridge/src/main.ts as a real child process (node --import tsx), for signal, kill -9 and
 * scale-out tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { waitFor } from '#dev/services/wait';
import type { BridgeConfigInput } from '#shared/config/bridge-config';
import type { InvokeResponder } from '#test/harness/invoke-responder';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface BridgeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
  kill(signal: NodeJS.Signals): void;
}

export function spawnBridge(config: BridgeConfigInput | string, env: NodeJS.ProcessEnv = {}): BridgeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bridge/src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NSQ_LAMBDA_CONFIG: typeof config === 'string' ? config : JSON.stringify(config),
      NSQ_LAMBDA_EMF: 'off',
      LOG_LEVEL: 'warn',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => out,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/**
 * Lists a test file fills with the bridge processes and Invoke responders it starts; after the file,
 * every process is SIGKILLed (and awaited) and every responder closed, even when a test failed.
 */
export function useBridgeProcesses(): { processes: BridgeProcess[]; responders: InvokeResponder[] } {
  const processes: BridgeProcess[] = [];
  const responders: InvokeResponder[] = [];
  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));
    await Promise.all(responders.map((r) => r.close()));
  });
  return { processes, responders };
}

/**
 * Waits for a line of the process's output to match, failing at once if the process exits first; both
 * failures carry the exit code and the end of the output, so a failed start can be told from a slow one.
 */
export async function waitForOutput(
  p: BridgeProcess,
  pattern: RegExp,
  what: string,
  timeoutMs = 20_000,
): Promise<RegExpMatchArray> {
  let exitCode: number | null | undefined;
  void p.exited.then((code) => {
    exitCode = code;
  });
  const started = Date.now();
  try {
    return await waitFor(
      () => {
        const match = p.output().match(pattern);
        if (match) return match;
        if (exitCode !== undefined) throw new Error(`the bridge exited (code ${exitCode}) first`);
        return undefined;
      },
      { what, timeoutMs },
    );
  } catch (err) {
    const tail = p.output().slice(-2_000);
    throw new Error(
      `${(err as Error).message} after ${Date.now() - started} ms; bridge output so far:\n${tail || '(none)'}`,
      { cause: err },
    );
  }
}
