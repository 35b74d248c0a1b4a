/**
 * How a function is bundled. The ONE set of esbuild options used by both the local Lambda server
 * (dev/local-lambda) and infra's NodejsFunction, so the code that runs locally is the code that is deployed.
 *
 * Choices (see docs/local-lambda.md):
 * - ESM, one `index.mjs` file, target node24 (the `nodejs24.x` runtime), platform node.
 * - `@aws-sdk/*` is BUNDLED, not external: the nodejs24.x runtime ships an SDK v3 of its own choosing, whose
 *   version drifts from our lockfile. Bundling the pinned version makes local == deployed (same SDK, same
 *   retry and timeout behaviour) at the cost of ~0.5–1 MB per bundle and a few ms of cold start.
 *   infra must therefore pass `externalModules: []` (NodejsFunction's default is `['@aws-sdk/*']`).
 * - Only `snappystream` is external: nsqjs requires it lazily (only with `snappy: true`) and it carries a
 *   native `.node` binary esbuild cannot bundle.
 * - Not minified, names kept, linked source maps: stack traces in error payloads and logs point at our
 *   TypeScript; the runtime needs `NODE_OPTIONS=--enable-source-maps` (infra sets it; the local workers
 *   start node with `--enable-source-maps`). Minifying would save parse time we have not measured as a problem.
 * - A `require` shim banner, because some CommonJS dependencies call `require()` for Node built-ins, which an
 *   ESM bundle cannot do on its own.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BuildOptions } from 'esbuild';
import type { FunctionDefinition } from '#shared/functions/definition';
import type { LoadedFunction } from '#shared/functions/loader';

/** The Lambda runtime every function is deployed on; esbuild's target follows it. */
export const lambdaRuntime = 'nodejs24.x';
export const bundleTarget = 'node24';
/** The bundle's file name; Lambda's handler string is `index.<handlerExport>`. */
export const bundleFileName = 'index.mjs';
/** Modules left out of every bundle (see the header). */
export const externalModules: readonly string[] = ['snappystream'];

const requireShim =
  "import { createRequire as __nsqLambdaCreateRequire } from 'node:module';" +
  'const require = __nsqLambdaCreateRequire(import.meta.url);';

/**
 * The esbuild options for one function (without entry points and output path, which the caller sets).
 * A plain object, usable as esbuild `BuildOptions` and mappable onto NodejsFunction's `bundling` props:
 * format→OutputFormat.ESM, target, minify, sourcemap→sourceMap, keepNames, external→externalModules,
 * banner.js→banner, mainFields.
 */
export function functionBundlingOptions(_definition: FunctionDefinition) {
  // Per-function options (none today) would read the definition here; every caller passes it.
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: bundleTarget,
    minify: false,
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    mainFields: ['module', 'main'],
    conditions: ['node', 'import'],
    external: [...externalModules],
    banner: { js: requireShim },
    logLevel: 'silent',
  } satisfies BuildOptions;
}

export interface FunctionBundle {
  readonly name: string;
  /** Absolute path of the bundle (`<outDir>/<name>/index.mjs`). */
  readonly file: string;
  readonly handlerExport: string;
  readonly bytes: number;
}

/** Bundles one function into `<outDir>/<name>/index.mjs` (+ `.map`). Errors name the function and the problem. */
export async function bundleFunction(loaded: LoadedFunction, outDir: string): Promise<FunctionBundle> {
  const { build } = await import('esbuild');
  const name = loaded.definition.name;
  const dir = resolve(outDir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, bundleFileName);
  try {
    const result = await build({
      ...functionBundlingOptions(loaded.definition),
      entryPoints: [resolve(loaded.entryPath)],
      outfile: file,
      metafile: true,
      absWorkingDir: resolve(loaded.dir),
    });
    const bytes =
      result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith('.mjs')) ?? '']
        ?.bytes;
    return { name, file, handlerExport: loaded.definition.handlerExport, bytes: bytes ?? 0 };
  } catch (err) {
    throw bundleError('function', name, loaded.entryPath, err);
  }
}

/**
 * The error a failed esbuild build of a function becomes: the function, its entry and every esbuild error
 * with its location. Used by bundleFunction and edge-bundling.ts's bundleEdgeFunction.
 */
export function bundleError(kind: string, name: string, entryPath: string, err: unknown): Error {
  const errors = (err as { errors?: { text: string; location?: { file: string; line: number } | null }[] })
    .errors;
  const detail = errors?.length
    ? errors
        .map((e) => `  - ${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`)
        .join('\n')
    : `  - ${err instanceof Error ? err.message : String(err)}`;
  return new Error(`could not bundle ${kind} ${JSON.stringify(name)} (${entryPath}):\n${detail}`, {
    cause: err,
  });
}
