/**
 * Maps the project's esbuild options for a function onto NodejsFunction's `bundling` props, so the
 * deployed bundle is built the same way as the one the local Lambda server runs.
 *
 * TODO(helper C): when `shared/functions/bundling.ts` exports `functionBundlingOptions(definition)`,
 * replace `houseEsbuildOptions` below with it; `toNodejsBundling` already maps plain esbuild options.
 */
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { FunctionDefinition } from '#shared/functions/definition';

/** The subset of esbuild's BuildOptions that a function bundle uses. */
export interface FunctionEsbuildOptions {
  readonly format?: 'esm' | 'cjs' | 'iife';
  readonly target?: string | string[];
  readonly platform?: 'node' | 'browser' | 'neutral';
  readonly minify?: boolean;
  readonly sourcemap?: boolean | 'linked' | 'inline' | 'external' | 'both';
  readonly sourcesContent?: boolean;
  readonly external?: string[];
  readonly mainFields?: string[];
  readonly banner?: { readonly js?: string };
  readonly define?: Record<string, string>;
  readonly keepNames?: boolean;
}

/** ESM bundles need a `require` for CommonJS dependencies that call it (nsqjs-free, but e.g. middy deps). */
const REQUIRE_BANNER =
  "import { createRequire as __nsqLambdaCreateRequire } from 'node:module'; const require = __nsqLambdaCreateRequire(import.meta.url);";

/**
 * House defaults until helper C's shared options land: ESM for Node 22, source maps, minified, and the
 * AWS SDK bundled (not taken from the runtime) so the local and deployed bundles are byte-for-byte the
 * same code.
 */
export function houseEsbuildOptions(_definition: FunctionDefinition): FunctionEsbuildOptions {
  return {
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    keepNames: true,
    external: [],
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
  };
}

/** Translates esbuild options into NodejsFunction bundling props (local esbuild, never Docker). */
export function toNodejsBundling(options: FunctionEsbuildOptions): BundlingOptions {
  if (options.platform !== undefined && options.platform !== 'node') {
    throw new Error(`function bundles must target platform 'node', got ${JSON.stringify(options.platform)}`);
  }
  if (options.format === 'iife') {
    throw new Error("function bundles must be 'esm' or 'cjs', got \"iife\"");
  }
  const target = Array.isArray(options.target) ? options.target.join(',') : options.target;
  return {
    forceDockerBundling: false,
    format: options.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
    ...(target !== undefined && { target }),
    minify: options.minify ?? false,
    sourceMap: options.sourcemap !== undefined && options.sourcemap !== false,
    ...(options.sourcesContent !== undefined && { sourcesContent: options.sourcesContent }),
    ...(options.keepNames !== undefined && { keepNames: options.keepNames }),
    // Default NodejsFunction externals are '@aws-sdk/*'; an explicit list (even empty) wins.
    externalModules: [...(options.external ?? [])],
    ...(options.mainFields !== undefined && { mainFields: [...options.mainFields] }),
    ...(options.banner?.js !== undefined && { banner: options.banner.js }),
    ...(options.define !== undefined && { define: { ...options.define } }),
  };
}

export function functionBundling(definition: FunctionDefinition): BundlingOptions {
  return toNodejsBundling(houseEsbuildOptions(definition));
}
