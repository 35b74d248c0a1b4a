/**
 * Maps the project's esbuild options for a function (shared/functions/bundling.ts, the same options the
 * local Lambda server bundles with) onto NodejsFunction's `bundling` props, so the deployed bundle is
 * built exactly like the one tested locally.
 */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { functionBundlingOptions, lambdaRuntime } from '#shared/functions/bundling';
import type { FunctionDefinition } from '#shared/functions/definition';

/** The subset of esbuild's BuildOptions a function bundle may use; anything else is refused, not dropped. */
export interface FunctionEsbuildOptions {
  readonly bundle?: boolean;
  readonly format?: 'esm' | 'cjs' | 'iife';
  readonly target?: string | readonly string[];
  readonly platform?: 'node' | 'browser' | 'neutral';
  readonly minify?: boolean;
  readonly sourcemap?: boolean | 'linked' | 'inline' | 'external' | 'both';
  readonly sourcesContent?: boolean;
  readonly external?: readonly string[];
  readonly mainFields?: readonly string[];
  readonly conditions?: readonly string[];
  readonly banner?: { readonly js?: string };
  readonly define?: Readonly<Record<string, string>>;
  readonly keepNames?: boolean;
  readonly legalComments?: 'none' | 'inline' | 'eof' | 'linked' | 'external';
  readonly logLevel?: string;
}

const SOURCE_MAP_MODES = {
  linked: SourceMapMode.DEFAULT,
  external: SourceMapMode.EXTERNAL,
  inline: SourceMapMode.INLINE,
  both: SourceMapMode.BOTH,
} as const;

const KNOWN_KEYS = new Set([
  'bundle',
  'format',
  'target',
  'platform',
  'minify',
  'sourcemap',
  'sourcesContent',
  'external',
  'mainFields',
  'conditions',
  'banner',
  'define',
  'keepNames',
  'legalComments',
  'logLevel',
]);

/** Translates esbuild options into NodejsFunction bundling props (local esbuild, never Docker). */
export function toNodejsBundling(options: FunctionEsbuildOptions): BundlingOptions {
  const unknown = Object.keys(options).filter((k) => !KNOWN_KEYS.has(k));
  if (unknown.length > 0) {
    throw new Error(
      `function bundling options ${JSON.stringify(unknown)} have no NodejsFunction mapping; extend infra/lib/function-bundling.ts`,
    );
  }
  if (options.bundle === false) throw new Error('function bundling must bundle (bundle: false given)');
  if (options.platform !== undefined && options.platform !== 'node') {
    throw new Error(`function bundles must target platform 'node', got ${JSON.stringify(options.platform)}`);
  }
  if (options.format === 'iife') throw new Error("function bundles must be 'esm' or 'cjs', got \"iife\"");
  const target = typeof options.target === 'string' ? options.target : options.target?.join(',');
  const sourcemap = options.sourcemap === true ? 'linked' : options.sourcemap;
  const esbuildArgs: Record<string, string> = {};
  if (options.conditions !== undefined) esbuildArgs['--conditions'] = options.conditions.join(',');
  if (options.legalComments !== undefined) esbuildArgs['--legal-comments'] = options.legalComments;
  return {
    forceDockerBundling: false,
    // The shared `logLevel` serves the JS API, whose caller reads errors from the result. The CDK runs the
    // esbuild CLI, whose stderr is the only place a failed bundle explains itself: warnings and errors are
    // printed, the per-file size summary is not (without --log-level the CLI prints it, with a size marker
    // on a large bundle that reads as a warning in `cdk synth`).
    logLevel: LogLevel.WARNING,
    format: options.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
    ...(target !== undefined && { target }),
    minify: options.minify ?? false,
    sourceMap: sourcemap !== undefined && sourcemap !== false,
    ...(sourcemap !== undefined && sourcemap !== false && { sourceMapMode: SOURCE_MAP_MODES[sourcemap] }),
    ...(options.sourcesContent !== undefined && { sourcesContent: options.sourcesContent }),
    ...(options.keepNames !== undefined && { keepNames: options.keepNames }),
    // NodejsFunction's default externals are ['@aws-sdk/*']; an explicit list (even empty) wins, so the
    // SDK is bundled at the version the lock file pins, as it is locally.
    externalModules: [...(options.external ?? [])],
    ...(options.mainFields !== undefined && { mainFields: [...options.mainFields] }),
    ...(options.banner?.js !== undefined && { banner: options.banner.js }),
    ...(options.define !== undefined && { define: { ...options.define } }),
    ...(Object.keys(esbuildArgs).length > 0 && { esbuildArgs }),
  };
}

/** NodejsFunction bundling for one definition, from the shared options. */
export function functionBundling(definition: FunctionDefinition): BundlingOptions {
  return toNodejsBundling(functionBundlingOptions(definition));
}

/**
 * The Lambda runtime the shared bundling targets (shared/functions/bundling.ts `lambdaRuntime`): the pinned one,
 * never `NODEJS_LATEST`, which carries the same name while it is the newest but is variable (the CDK then warns
 * `variableRuntimeExternals`, and the runtime could move under a deployed function).
 */
export function functionRuntime(): lambda.Runtime {
  const runtime = lambda.Runtime.ALL.find((r) => r.name === lambdaRuntime && !r.isVariable);
  if (!runtime || runtime.family !== lambda.RuntimeFamily.NODEJS) {
    throw new Error(
      `shared bundling targets ${JSON.stringify(lambdaRuntime)}, which is not a Node.js Lambda runtime`,
    );
  }
  return runtime;
}
