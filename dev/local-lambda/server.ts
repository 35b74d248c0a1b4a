/**
 * The local Lambda: serves the Invoke API for the project's functions on 127.0.0.1, running each function
 * from the same esbuild bundle infra deploys (shared/functions/bundling.ts) in a warm pool of worker
 * processes. See docs/local-lambda.md.
 *
 *   const lambda = await startLocalLambda({ functions: await loadFunctions() });
 *   new LambdaClient({ endpoint: lambda.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFunction, bundleTarget, lambdaRuntime } from '#shared/functions/bundling';
import type { FunctionDefinition } from '#shared/functions/definition';
import { functionsFor, type LoadedFunction } from '#shared/functions/loader';
import { runtimeClient } from '#shared/functions/runtime-client';
import { FunctionPool, type FunctionStats } from './function-pool.ts';
import { createInvokeApi } from './invoke-api.ts';
import type { LeakDetectorOptions } from './leak-detector.ts';

export interface LocalLambdaOptions {
  readonly functions: readonly LoadedFunction[];
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Local servers bind the loopback interface only. */
  readonly host?: '127.0.0.1';
  /** @default 'us-east-1' */
  readonly region?: string;
  /**
   * The Lambda runtime emulated: AWS_EXECUTION_ENV and the behaviour of the runtime interface client it carries
   * (shared/functions/runtime-client.ts). @default lambdaRuntime, the runtime the project deploys
   */
  readonly lambdaRuntime?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** Concurrency limit of a function without reserved concurrency. @default 10 */
  readonly unreservedConcurrency?: number;
  /** Lambda's init phase limit per worker. @default 10_000 */
  readonly initTimeoutMs?: number;
  /**
   * Kill a worker whose whole-process RSS exceeds the function's memoryMb, as Lambda does (the V8 heap is
   * capped either way). Needs Linux /proc. @default true
   */
  readonly enforceMemoryLimit?: boolean;
  /** Variables added to a function's environment (local endpoints and credentials). */
  readonly functionEnvironment?: (definition: FunctionDefinition) => Record<string, string>;
  readonly leakDetector?: LeakDetectorOptions;
  /** Where bundles go. @default a temporary directory removed by close() */
  readonly outDir?: string;
  /** Receives every log line (Lambda's START/END/REPORT, function output, warnings). @default stderr */
  readonly log?: (line: string) => void;
}

export interface LocalLambda {
  /** `http://127.0.0.1:<port>`, for LambdaClient's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** A snapshot of every function's counters and workers (RSS included). */
  stats(): Record<string, FunctionStats>;
  /** Stops accepting requests and stops every worker. */
  close(): Promise<void>;
}

const workerSource = fileURLToPath(new URL('./worker.ts', import.meta.url));

async function bundleRuntime(outDir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(outDir, '_runtime', 'worker.mjs');
  mkdirSync(join(outDir, '_runtime'), { recursive: true });
  await build({
    entryPoints: [workerSource],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: bundleTarget,
    sourcemap: 'linked',
    logLevel: 'silent',
  });
  return outfile;
}

export async function startLocalLambda(options: LocalLambdaOptions): Promise<LocalLambda> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const region = options.region ?? 'us-east-1';
  const runtime = options.lambdaRuntime ?? lambdaRuntime;
  runtimeClient(runtime); // throws for a runtime whose client is not known
  const accountId = options.accountId ?? '000000000000';
  const unreservedConcurrency = options.unreservedConcurrency ?? 10;
  if (!Number.isInteger(unreservedConcurrency) || unreservedConcurrency < 1)
    throw new Error(`unreservedConcurrency must be an integer ≥ 1, got ${unreservedConcurrency}`);
  // Edge functions (target 'edge') run on workerd (dev/services/workerd.ts), not here.
  const functions = functionsFor(options.functions, 'lambda');
  const names = functions.map((f) => f.definition.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`function ${JSON.stringify(duplicate)} is defined twice`);

  const ownsOutDir = options.outDir === undefined;
  const outDir = options.outDir ?? mkdtempSync(join(tmpdir(), 'nsq-lambda-local-'));
  const cleanup = () => {
    if (ownsOutDir) rmSync(outDir, { recursive: true, force: true });
  };
  const pools = new Map<string, FunctionPool>();
  try {
    const [runtimeFile, ...bundles] = await Promise.all([
      bundleRuntime(outDir),
      ...functions.map((f) => bundleFunction(f, outDir)),
    ]);
    functions.forEach((f, i) => {
      const bundle = bundles[i];
      if (!bundle) throw new Error(`no bundle for ${f.definition.name}`);
      pools.set(
        f.definition.name,
        new FunctionPool(f.definition, bundle, {
          runtimeFile,
          lambdaRuntime: runtime,
          region,
          accountId,
          unreservedConcurrency,
          initTimeoutMs: options.initTimeoutMs ?? 10_000,
          rssPollMs: options.enforceMemoryLimit === false ? 0 : 50,
          extraEnvironment: options.functionEnvironment?.(f.definition) ?? {},
          leakDetector: options.leakDetector ?? {},
          log,
        }),
      );
    });
  } catch (err) {
    cleanup();
    throw err;
  }

  const stats = () => {
    const out: Record<string, FunctionStats> = {};
    for (const [name, pool] of pools) out[name] = pool.snapshot();
    return out;
  };
  const handle = createInvokeApi({ region, accountId, pools, stats });
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(
        `[local-lambda] internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      if (!res.headersSent) {
        const body = JSON.stringify({ Type: 'Service', message: 'local Lambda internal error' });
        res.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException' });
        res.end(body);
      } else res.destroy();
    });
  });
  // Synchronous invocations may run up to 15 minutes: never let Node's default request timeout cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    cleanup();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new Error(`local Lambda: port ${options.port} on ${host} is already in use`, { cause: err });
    throw new Error(`local Lambda: could not listen on ${host}:${options.port ?? 0}`, { cause: err });
  }
  const port = (server.address() as AddressInfo).port;
  log(`[local-lambda] serving ${names.join(', ') || '(no functions)'} on http://${host}:${port}`);

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    stats,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await Promise.all([...pools.values()].map((p) => p.close()));
        server.closeAllConnections();
        await closed;
        cleanup();
      })();
      return closing;
    },
  };
}
