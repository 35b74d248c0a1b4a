/**
 * How an edge function (`target: 'edge'`) is bundled: one ES module for workerd, the runtime of
 * Cloudflare Workers, that also loads on Deno and Vercel's edge runtime.
 *
 * - ESM, platform neutral, the `workerd`/`worker`/`browser` export conditions first (packages such as
 *   @upstash/redis pick their fetch-only build by them), target es2022.
 * - No Node built-ins in the output. The kit's own code uses Web APIs only, but four of its
 *   dependencies import a Node module for one small thing: @middy/core `setTimeout` from node:timers,
 *   @middy/util `STATUS_CODES` from node:http, Powertools Logger/Metrics `Console` from node:console and
 *   `randomInt` from node:crypto, and @aws/lambda-invoke-store imports node:async_hooks lazily in Lambda's
 *   multi-concurrency mode only; Powertools also reads the `process` global. Those imports resolve to the
 *   small Web-API shims below instead, and `process` to `globalThis.process` or an empty stand-in. Any
 *   other node: import fails the build, naming the module, rather than failing at run time on the edge.
 * - So no compatibility flag is needed (workerd runs the bundle without `nodejs_compat`).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, Plugin } from 'esbuild';
import { bundleError, type FunctionBundle } from '#shared/functions/bundling';
import type { LoadedFunction } from '#shared/functions/loader';

/** The edge bundle's file name; workerd loads it as an ES module. */
export const edgeBundleFileName = 'worker.mjs';

const processShim = fileURLToPath(new URL('./edge-process-shim.ts', import.meta.url));

/**
 * Kit modules swapped for an edge variant with the same exports: the claim-check reader (AWS SDK,
 * node:crypto) becomes one that dead-letters, since HTTP targets never carry claim checks.
 */
export const EDGE_VARIANTS: Readonly<Record<string, string>> = {
  [fileURLToPath(new URL('../handler/claim-check-reader.ts', import.meta.url))]: fileURLToPath(
    new URL('../handler/claim-check-reader.edge.ts', import.meta.url),
  ),
};

const SHIMS: Readonly<Record<string, string>> = {
  'node:timers': `
    export const setTimeout = (...a) => globalThis.setTimeout(...a);
    export const clearTimeout = (...a) => globalThis.clearTimeout(...a);
    export const setInterval = (...a) => globalThis.setInterval(...a);
    export const clearInterval = (...a) => globalThis.clearInterval(...a);`,
  'node:http': `
    export const STATUS_CODES = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
      404: 'Not Found', 408: 'Request Timeout', 413: 'Payload Too Large', 422: 'Unprocessable Entity',
      429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable',
      504: 'Gateway Timeout' };`,
  'node:console': `
    export class Console {
      log(...a) { globalThis.console.log(...a); }
      info(...a) { globalThis.console.info(...a); }
      warn(...a) { globalThis.console.warn(...a); }
      error(...a) { globalThis.console.error(...a); }
      debug(...a) { globalThis.console.debug(...a); }
      trace(...a) { globalThis.console.debug(...a); }
    }`,
  // @aws/lambda-invoke-store (under Powertools) imports it lazily, only in Lambda's multi-concurrency mode.
  'node:async_hooks': `
    export class AsyncLocalStorage {
      constructor() { throw new Error('AsyncLocalStorage (node:async_hooks) is not available on edge runtimes'); }
    }`,
  'node:crypto': `
    export function randomInt(min, max) {
      if (max === undefined) { max = min; min = 0; }
      const [r] = globalThis.crypto.getRandomValues(new Uint32Array(1));
      return min + (r % (max - min));
    }`,
};

/**
 * Resolves the shimmed Node modules to the shims and refuses every other Node built-in; swaps in the
 * kit's edge variants (EDGE_VARIANTS).
 */
export function edgeShimsPlugin(): Plugin {
  return {
    name: 'nsq-lambda-edge-shims',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\/.*\.ts$/ }, (args) => {
        const variant = EDGE_VARIANTS[resolve(args.resolveDir, args.path)];
        return variant ? { path: variant } : undefined;
      });
      build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
        const name = args.path.startsWith('node:') ? args.path : `node:${args.path}`;
        if (SHIMS[name]) return { path: name, namespace: 'edge-shim' };
        if (args.path.startsWith('node:')) {
          return {
            errors: [
              {
                text: `${args.path} is a Node built-in, which edge runtimes do not have (imported by ${args.importer})`,
              },
            ],
          };
        }
        return undefined;
      });
      build.onLoad({ filter: /.*/, namespace: 'edge-shim' }, (args) => ({
        contents: SHIMS[args.path] ?? '',
        loader: 'js',
      }));
    },
  };
}

/** The esbuild options for an edge function (entry point and output path are the caller's). */
export function edgeBundlingOptions() {
  return {
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    minify: false,
    keepNames: true,
    sourcemap: false,
    legalComments: 'none',
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser', 'import'],
    inject: [processShim],
    plugins: [edgeShimsPlugin()],
    logLevel: 'silent',
  } satisfies BuildOptions;
}

/** Bundles one edge function into `<outDir>/<name>/worker.mjs`. Errors name the function and the problem. */
export async function bundleEdgeFunction(loaded: LoadedFunction, outDir: string): Promise<FunctionBundle> {
  const { build } = await import('esbuild');
  const name = loaded.definition.name;
  const dir = resolve(outDir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, edgeBundleFileName);
  try {
    const result = await build({
      ...edgeBundlingOptions(),
      entryPoints: [resolve(loaded.entryPath)],
      outfile: file,
      metafile: true,
      absWorkingDir: resolve(loaded.dir),
    });
    const bytes = Object.values(result.metafile.outputs)[0]?.bytes ?? 0;
    return { name, file, handlerExport: 'default', bytes };
  } catch (err) {
    throw bundleError('edge function', name, loaded.entryPath, err);
  }
}
