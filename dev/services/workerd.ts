/**
 * workerd, Cloudflare's open-source Workers runtime (npm `workerd`, pinned in package.json), serving
 * edge function bundles (shared/functions/edge-bundling.ts) on 127.0.0.1, one port per function. Used by
 * `npm start`, `nsq-lambda invoke` on an edge function and the edge integration tests.
 *
 * The config is generated (capnp text, next to the bundles): each function is a module worker with its
 * bindings; every binding reads this process's environment (`fromEnvironment`), so secrets such as the
 * signing secret and the Upstash token are passed to workerd's environment and never written to disk.
 * Outbound fetch goes through the `internet` network service, which allows public addresses and
 * 127.0.0.1/32 (workerd's default is public only), so a function reaches the local Upstash endpoint.
 * No compatibility flags: the bundles carry no Node built-ins.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { bundleEdgeFunction } from '#shared/functions/edge-bundling';
import type { LoadedFunction } from '#shared/functions/loader';
import { freePort } from './ports.ts';
import { type ManagedProcess, startProcess } from './process.ts';
import { waitFor } from './wait.ts';

const workerdPackage = createRequire(import.meta.url)('workerd') as { default: string; version: string };

/** The workerd binary of the pinned npm package (its platform package carries it; nothing downloads). */
export const workerdBinary: string = workerdPackage.default;
export const workerdVersion: string = workerdPackage.version;
/** The compatibility date the generated configs use; the pinned workerd supports up to its own date. */
export const WORKERD_COMPATIBILITY_DATE = '2026-11-01';

export interface EdgeWorkerSpec {
  /** The function's name (its definition's name). */
  readonly name: string;
  /** The bundle (`<dir>/<name>/worker.mjs`); every bundle must sit under `configDir`. */
  readonly bundleFile: string;
  /** Its bindings (`env` in the fetch handler), by name; values go through workerd's environment. */
  readonly bindings?: Readonly<Record<string, string>>;
}

export interface WorkerdOptions {
  readonly workers: readonly EdgeWorkerSpec[];
  /** Where the generated config is written (the bundles' common folder). */
  readonly configDir: string;
  /** Ports by function name; default a free port each. */
  readonly ports?: Readonly<Record<string, number>>;
}

const capnpText = (value: string) => JSON.stringify(value);
const envName = (worker: number, binding: string) => `NSQ_LAMBDA_EDGE_${worker}_${binding}`;

/** The capnp config for the workers on their ports (exported for the unit test). */
export function workerdConfig(
  workers: readonly EdgeWorkerSpec[],
  ports: Readonly<Record<string, number>>,
  configDir: string,
): string {
  const services = workers.map((w, i) => `    (name = ${capnpText(`fn-${w.name}`)}, worker = .worker${i}),`);
  const sockets = workers.map(
    (w) =>
      `    (name = ${capnpText(`http-${w.name}`)}, address = ${capnpText(`127.0.0.1:${ports[w.name]}`)}, http = (), service = ${capnpText(`fn-${w.name}`)}),`,
  );
  const definitions = workers.map((w, i) => {
    const bindings = Object.keys(w.bindings ?? {}).map(
      (b) => `    (name = ${capnpText(b)}, fromEnvironment = ${capnpText(envName(i, b))}),`,
    );
    return [
      `const worker${i} :Workerd.Worker = (`,
      `  modules = [(name = "worker.mjs", esModule = embed ${capnpText(relative(configDir, w.bundleFile))})],`,
      `  compatibilityDate = ${capnpText(WORKERD_COMPATIBILITY_DATE)},`,
      `  bindings = [`,
      ...bindings,
      `  ],`,
      `);`,
    ].join('\n');
  });
  return [
    'using Workerd = import "/workerd/workerd.capnp";',
    'const config :Workerd.Config = (',
    '  services = [',
    ...services,
    '    (name = "internet", network = (allow = ["public", "127.0.0.1/32"])),',
    '  ],',
    '  sockets = [',
    ...sockets,
    '  ],',
    ');',
    ...definitions,
    '',
  ].join('\n');
}

/** workerd serving edge functions on 127.0.0.1. */
export class Workerd {
  private constructor(
    readonly process: ManagedProcess,
    readonly ports: Readonly<Record<string, number>>,
  ) {}

  /** The function's URL (it answers POST with the signed batch event). */
  url(name: string): string {
    const port = this.ports[name];
    if (port === undefined) throw new Error(`workerd serves no function ${JSON.stringify(name)}`);
    return `http://127.0.0.1:${port}/`;
  }

  static async start(options: WorkerdOptions): Promise<Workerd> {
    if (options.workers.length === 0) throw new Error('workerd: no edge functions to serve');
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const ports: Record<string, number> = {};
      for (const w of options.workers) ports[w.name] = options.ports?.[w.name] ?? (await freePort());
      const configFile = join(options.configDir, 'workerd.capnp');
      writeFileSync(configFile, workerdConfig(options.workers, ports, options.configDir), { mode: 0o600 });
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', TZ: 'UTC' };
      options.workers.forEach((w, i) => {
        for (const [b, value] of Object.entries(w.bindings ?? {})) env[envName(i, b)] = value;
      });
      const proc = startProcess({
        name: 'workerd',
        command: workerdBinary,
        args: ['serve', configFile],
        cwd: dirname(configFile),
        env,
        ports: Object.values(ports),
      });
      try {
        await waitFor(
          async () => {
            if (!proc.running) throw new Error(`workerd exited early: ${proc.output()}`);
            for (const port of Object.values(ports)) {
              if (!(await answers(port))) return false;
            }
            return true;
          },
          { what: `workerd on ${Object.values(ports).join(', ')}`, timeoutMs: 20_000 },
        );
        return new Workerd(proc, ports);
      } catch (err) {
        lastError = err;
        await proc.stop('SIGKILL');
        if (options.ports) break;
      }
    }
    throw new Error('workerd did not start', { cause: lastError });
  }

  /** What workerd and the workers printed (console.log lines, uncaught errors). */
  output(): string {
    return this.process.output();
  }

  async stop(): Promise<void> {
    await this.process.stop('SIGTERM', 3_000);
  }
}

async function answers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

export interface EdgeFunctionsOptions {
  /** Where the bundles and the config go (kept while workerd runs; the caller removes it). */
  readonly outDir: string;
  /** The bindings of every function (signing secret, Upstash URL and token...). */
  readonly bindings: Readonly<Record<string, string>>;
  readonly ports?: Readonly<Record<string, number>>;
}

/** Bundles edge functions (shared/functions/edge-bundling.ts) and serves them on one workerd. */
export async function startEdgeFunctions(
  functions: readonly LoadedFunction[],
  options: EdgeFunctionsOptions,
): Promise<Workerd> {
  const bundles = await Promise.all(functions.map((f) => bundleEdgeFunction(f, options.outDir)));
  return Workerd.start({
    configDir: options.outDir,
    workers: bundles.map((b) => ({ name: b.name, bundleFile: b.file, bindings: options.bindings })),
    ...(options.ports && { ports: options.ports }),
  });
}
