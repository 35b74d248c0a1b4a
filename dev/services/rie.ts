/**
 * One function bundle running under AWS's own Lambda stack: the Runtime Interface Emulator (aws-lambda-rie,
 * built by dev/build-binaries.sh) driving the real Node.js runtime interface client (npm aws-lambda-ric,
 * the version the deployed runtime carries: shared/functions/runtime-client.ts, built by dev/build-ric.sh).
 * That is how AWS's base images run Node functions. Used by the RIE parity suite (test/parity) and
 * `nsq-lambda invoke --runtime rie`.
 *
 * RIE emulates the runtime API, not the Invoke API: it drops the function's response headers (no
 * X-Amz-Function-Error), answers 502 when the runtime process exits, answers a timeout in plain text and
 * enforces no payload limits. It passes its own environment on to the runtime, so the environment given
 * here is exactly what the function sees, plus the variables RIE adds (AWS_LAMBDA_RUNTIME_API, ...).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runtimeClient } from '#shared/functions/runtime-client';
import { goBinary, projectRoot } from './binaries.ts';
import { freePort } from './ports.ts';
import { type ManagedProcess, startProcess } from './process.ts';
import { waitFor } from './wait.ts';

export interface RieFunctionOptions {
  /** The bundle file (`<dir>/index.mjs`); its folder is the task root and working directory. */
  readonly bundleFile: string;
  /** Lambda's handler string, e.g. `index.handler`. */
  readonly handler: string;
  readonly functionName: string;
  readonly timeoutSec: number;
  readonly memoryMb: number;
  /** The function's own variables (its definition's environment plus local wiring). */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 'us-east-1' */
  readonly region?: string;
}

export interface RieResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * The entry script of the pinned runtime interface client (its package's `bin`: `bin/index.mjs` in 3.x,
 * `index.mjs` in 4.x); throws with the fix when it is not built.
 */
export function ricEntry(version = runtimeClient().ricVersion): string {
  const dir = join(projectRoot, '.cache', 'ric', version, 'node_modules', 'aws-lambda-ric');
  const manifest = join(dir, 'package.json');
  const notBuilt = () =>
    new Error(`aws-lambda-ric ${version} is not built: run \`npm run binaries\` (looked in ${dir})`);
  if (!existsSync(manifest)) throw notBuilt();
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: Record<string, string> };
  const entry = join(dir, bin?.['aws-lambda-ric'] ?? 'index.mjs');
  if (!existsSync(entry)) throw notBuilt();
  return entry;
}

/** A function under RIE + aws-lambda-ric on 127.0.0.1. `invoke` posts to RIE's invocation endpoint. */
export class RieFunction {
  private constructor(
    readonly process: ManagedProcess,
    readonly port: number,
    readonly options: RieFunctionOptions,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/2015-03-31/functions/function/invocations`;
  }

  static async start(options: RieFunctionOptions): Promise<RieFunction> {
    const rie = goBinary('aws-lambda-rie');
    const entry = ricEntry();
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      const runtimeApiPort = await freePort();
      const keep: Record<string, string> = {};
      for (const key of ['PATH', 'LANG', 'TMPDIR'] as const) {
        const value = process.env[key];
        if (value !== undefined) keep[key] = value;
      }
      const region = options.region ?? 'us-east-1';
      const proc = startProcess({
        name: `aws-lambda-rie ${options.functionName}`,
        command: rie,
        args: [
          '--runtime-interface-emulator-address',
          `127.0.0.1:${port}`,
          '--runtime-api-address',
          `127.0.0.1:${runtimeApiPort}`,
          process.execPath,
          entry,
          options.handler,
        ],
        cwd: dirname(options.bundleFile),
        env: {
          ...keep,
          ...options.environment,
          TZ: ':UTC',
          AWS_REGION: region,
          AWS_DEFAULT_REGION: region,
          AWS_LAMBDA_FUNCTION_NAME: options.functionName,
          AWS_LAMBDA_FUNCTION_TIMEOUT: String(options.timeoutSec),
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
          LAMBDA_TASK_ROOT: dirname(options.bundleFile),
          _HANDLER: options.handler,
        },
      });
      try {
        await waitFor(
          async () => {
            if (!proc.running) throw new Error(`aws-lambda-rie exited early: ${proc.output()}`);
            return /listening on/i.test(proc.output()) || (await isListening(port));
          },
          { what: `aws-lambda-rie on ${port}` },
        );
        return new RieFunction(proc, port, options);
      } catch (err) {
        lastError = err;
        await proc.stop('SIGKILL');
      }
    }
    throw new Error(`aws-lambda-rie did not start for ${options.functionName}`, { cause: lastError });
  }

  /** One synchronous invocation with a JSON payload (text, sent as is). */
  async invoke(payload: string): Promise<RieResponse> {
    const res = await fetch(this.url, { method: 'POST', body: payload });
    return { status: res.status, body: await res.text() };
  }

  /** What RIE and the runtime printed (RIE's START/END/REPORT lines and the function's logs). */
  output(): string {
    return this.process.output();
  }

  async dispose(): Promise<void> {
    await this.process.stop('SIGTERM', 3_000);
  }
}

async function isListening(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}
