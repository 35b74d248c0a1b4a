import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFunction, functionBundlingOptions } from '#shared/functions/bundling';
import { defineFunction } from '#shared/functions/definition';
import { loadFunction } from '#shared/functions/loader';

// Inside the repository (.cache is git-ignored) so that bundled sources resolve node_modules.
const repoCache = fileURLToPath(new URL('../../../../.cache', import.meta.url));
mkdirSync(repoCache, { recursive: true });
const outDir = mkdtempSync(join(repoCache, 'bundling-test-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));
const fixtures = fileURLToPath(new URL('../../../fixtures/functions', import.meta.url));

describe('functionBundlingOptions', () => {
  it('targets the nodejs24.x runtime with one ESM file and bundles the AWS SDK', () => {
    const options = functionBundlingOptions(defineFunction({ name: 'x' }));
    expect(options).toMatchObject({ bundle: true, platform: 'node', format: 'esm', target: 'node24' });
    expect(options.external).toEqual(['snappystream']);
    expect(options.external.some((e) => e.startsWith('@aws-sdk'))).toBe(false);
  });
});

describe('bundleFunction', () => {
  it('writes <outDir>/<name>/index.mjs with a source map, and the bundle runs the handler', async () => {
    const bundle = await bundleFunction(await loadFunction('echo', fixtures), outDir);
    expect(bundle.file).toBe(join(outDir, 'echo', 'index.mjs'));
    expect(bundle.bytes).toBeGreaterThan(0);
    expect(readFileSync(`${bundle.file}.map`, 'utf8')).toContain('handler.ts');
    const mod = (await import(pathToFileURL(bundle.file).href)) as {
      handler: (e: unknown, c: unknown) => Promise<{ event: unknown }>;
    };
    const out = await mod.handler({ a: 1 }, { awsRequestId: 'r' });
    expect(out.event).toEqual({ a: 1 });
  });

  it('includes @aws-sdk packages in the bundle instead of leaving them to the runtime', async () => {
    const dir = mkdtempSync(join(outDir, 'src-'));
    writeFileSync(
      join(dir, 'handler.ts'),
      "import { LambdaClient } from '@aws-sdk/client-lambda';\nexport const handler = async () => typeof LambdaClient;\n",
    );
    const bundle = await bundleFunction(
      { definition: defineFunction({ name: 'sdk-user' }), dir, entryPath: join(dir, 'handler.ts') },
      outDir,
    );
    const code = readFileSync(bundle.file, 'utf8');
    expect(code).not.toMatch(/from ["']@aws-sdk\//);
    expect(code).toContain('LambdaClient');
  });

  it('names the function and the location when the code does not compile', async () => {
    const dir = mkdtempSync(join(outDir, 'src-'));
    writeFileSync(join(dir, 'handler.ts'), 'export const handler = async () => {\n  return (;\n};\n');
    await expect(
      bundleFunction(
        { definition: defineFunction({ name: 'broken' }), dir, entryPath: join(dir, 'handler.ts') },
        outDir,
      ),
    ).rejects.toThrow(/could not bundle function "broken" .*\n {2}- .*handler\.ts:2: /);
  });
});
