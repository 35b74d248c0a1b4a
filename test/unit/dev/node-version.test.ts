/**
 * One Node major across the project: the trampoline's (dev/node.mjs), package.json's engines, the functions'
 * bundle target and Lambda runtime, and the bridge image (test/unit/infra/bridge-dockerfile.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';
import { bundleTarget, lambdaRuntime } from '#shared/functions/bundling';
import { REQUIRED_MAJOR } from '../../../dev/node.mjs';

describe('the Node version', () => {
  it('is the same major in dev/node.mjs, engines, the bundle target and the Lambda runtime', () => {
    expect(REQUIRED_MAJOR).toBe(24);
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
      engines: { node: string };
    };
    expect(pkg.engines.node).toBe(`>=${REQUIRED_MAJOR}`);
    expect(bundleTarget).toBe(`node${REQUIRED_MAJOR}`);
    expect(lambdaRuntime).toBe(`nodejs${REQUIRED_MAJOR}.x`);
  });

  it('runs the tests on it', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(REQUIRED_MAJOR);
  });
});
