/** The shared esbuild options (shared/functions/bundling.ts) mapped onto NodejsFunction bundling props. */
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import { functionBundling, functionRuntime, toNodejsBundling } from '#infra/lib/function-bundling';
import { functionBundlingOptions, lambdaRuntime } from '#shared/functions/bundling';
import { defineFunction } from '#shared/functions/definition';

const definition = defineFunction({ name: 'sample' });

describe('functionBundling', () => {
  it('maps every shared option onto NodejsFunction, local esbuild only', () => {
    const shared = functionBundlingOptions(definition);
    const bundling = functionBundling(definition);
    expect(bundling).toMatchObject({
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      target: shared.target,
      minify: shared.minify,
      sourceMap: true,
      sourceMapMode: SourceMapMode.DEFAULT,
      keepNames: shared.keepNames,
      externalModules: [...shared.external],
      mainFields: [...shared.mainFields],
      banner: shared.banner.js,
      esbuildArgs: { '--conditions': shared.conditions.join(','), '--legal-comments': shared.legalComments },
    });
  });

  it("has esbuild print its warnings and errors, not its output summary, whatever the JS API's log level", () => {
    expect(functionBundling(definition).logLevel).toBe(LogLevel.WARNING);
    expect(toNodejsBundling({ logLevel: 'silent' }).logLevel).toBe(LogLevel.WARNING);
  });

  it('deploys on the runtime the shared bundling targets, pinned (Runtime.NODEJS_24_X, not NODEJS_LATEST)', () => {
    expect(functionRuntime().name).toBe(lambdaRuntime);
    expect(functionRuntime().isVariable).toBe(false);
    expect(functionRuntime()).toBe(lambda.Runtime.NODEJS_24_X);
  });
});

describe('toNodejsBundling', () => {
  it('keeps an empty external list, so the AWS SDK is bundled rather than taken from the runtime', () => {
    expect(toNodejsBundling({ external: [] }).externalModules).toEqual([]);
  });

  it('maps CommonJS and source map modes', () => {
    expect(toNodejsBundling({ format: 'cjs', sourcemap: 'inline' })).toMatchObject({
      format: OutputFormat.CJS,
      sourceMapMode: SourceMapMode.INLINE,
    });
    expect(toNodejsBundling({ sourcemap: false }).sourceMap).toBe(false);
  });

  it('fails on an option it cannot map instead of dropping it', () => {
    expect(() => toNodejsBundling({ splitting: true } as never)).toThrow(
      'function bundling options ["splitting"] have no NodejsFunction mapping',
    );
  });

  it('fails on a non-node platform or an iife format', () => {
    expect(() => toNodejsBundling({ platform: 'browser' })).toThrow(`platform 'node', got "browser"`);
    expect(() => toNodejsBundling({ format: 'iife' })).toThrow(`'esm' or 'cjs', got "iife"`);
  });
});
