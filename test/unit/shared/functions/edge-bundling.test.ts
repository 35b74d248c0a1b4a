/**
 * Edge bundles carry no Node built-in: the kit's dependencies' few node: imports resolve to Web-API
 * shims, and any other node: import fails the build naming the module.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defineFunction } from '#shared/functions/definition';
import { bundleEdgeFunction, edgeBundlingOptions } from '#shared/functions/edge-bundling';
import { functionsFor, loadFunction, loadFunctions } from '#shared/functions/loader';
import { EDGE_CLAIM_CHECK_REASON } from '#shared/handler/claim-check-reader.edge';

const repoCache = fileURLToPath(new URL('../../../../.cache', import.meta.url));
mkdirSync(repoCache, { recursive: true });
const outDir = mkdtempSync(join(repoCache, 'edge-bundling-test-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** Every import specifier left in an ES module's text (static and dynamic). */
function importsOf(code: string): string[] {
  const found = [
    ...code.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/gm),
    ...code.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
    ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...code.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g),
  ];
  return found.map((m) => m[1] ?? '');
}

describe('edgeBundlingOptions', () => {
  it('builds one neutral ES module with the worker conditions', () => {
    expect(edgeBundlingOptions()).toMatchObject({
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      conditions: ['workerd', 'worker', 'browser', 'import'],
    });
  });
});

describe('bundleEdgeFunction', () => {
  it('bundles the edge example with no import left at all (no node: module, no require)', async () => {
    const bundle = await bundleEdgeFunction(await loadFunction('template-edge'), outDir);
    const code = readFileSync(bundle.file, 'utf8');
    expect(bundle.file).toBe(join(outDir, 'template-edge', 'worker.mjs'));
    expect(importsOf(code)).toEqual([]);
    expect(code).toMatch(/export\s*\{[^}]*\bdefault\b/);
    // The kit's claim-check reader is its edge variant: no AWS SDK in the bundle.
    expect(code).toContain(EDGE_CLAIM_CHECK_REASON);
    expect(code).not.toMatch(/GetObjectCommand|@aws-sdk/);
  });

  it('fails naming the module when the handler imports a Node built-in the shims do not cover', async () => {
    const dir = mkdtempSync(join(outDir, 'src-'));
    writeFileSync(
      join(dir, 'handler.ts'),
      "import { readFileSync } from 'node:fs';\nexport default { fetch: () => readFileSync('x') };\n",
    );
    const loaded = {
      definition: defineFunction({ name: 'uses-fs', target: 'edge' }),
      dir,
      entryPath: join(dir, 'handler.ts'),
    };
    await expect(bundleEdgeFunction(loaded, outDir)).rejects.toThrow(
      /uses-fs[\s\S]*node:fs is a Node built-in/,
    );
  });
});

describe('functionsFor', () => {
  it('splits the registry by target: the edge example is not a Lambda function', async () => {
    const all = await loadFunctions();
    expect(functionsFor(all, 'edge').map((f) => f.definition.name)).toContain('template-edge');
    expect(functionsFor(all, 'lambda').map((f) => f.definition.name)).not.toContain('template-edge');
    expect(functionsFor(all, 'lambda').map((f) => f.definition.name)).toContain('template');
  });
});
