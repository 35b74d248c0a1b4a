/**
 * cdk.json: the project's own context (nsqLambda, cli-telemetry) and the feature flags the installed
 * aws-cdk-lib recommends, exactly as `cdk init` writes them, so synth runs with today's defaults.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cdkJsonContext } from './fixtures/synth.ts';

const require = createRequire(import.meta.url);
const recommended = require('aws-cdk-lib/recommended-feature-flags.json') as Record<string, unknown>;

describe('cdk.json', () => {
  it('carries every feature flag the installed aws-cdk-lib recommends, with its value, and no other', () => {
    const { nsqLambda, 'cli-telemetry': telemetry, ...flags } = cdkJsonContext();
    expect(nsqLambda).toBeDefined();
    expect(telemetry).toBe(false);
    expect(flags).toEqual(recommended);
    expect(Object.keys(flags)).toEqual(Object.keys(recommended).sort()); // as cdk init orders them
  });
});
