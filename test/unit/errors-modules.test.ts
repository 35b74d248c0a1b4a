/**
 * One errors module per package: every error class of shared/, bridge/, cli/, dev/ and infra/ lives in
 * that package's errors.ts, and takes a cause (ErrorOptions) or builds one from its context.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const packages: Record<string, string> = {
  shared: 'shared/errors.ts',
  'bridge/src': 'bridge/src/errors.ts',
  cli: 'cli/errors.ts',
  dev: 'dev/errors.ts',
  infra: 'infra/errors.ts',
};

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.parentPath.includes('node_modules'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

const ERROR_CLASS = /class (\w+) extends (?:\w*Error)\b/g;

describe('errors modules', () => {
  it.each(Object.entries(packages))('%s declares its error classes only in %s', (dir, module) => {
    const elsewhere = sources(dir)
      .filter((f) => f !== module)
      .flatMap((f) =>
        [...readFileSync(join(root, f), 'utf8').matchAll(ERROR_CLASS)].map((m) => `${f}: ${m[1]}`),
      );
    expect(elsewhere).toEqual([]);
  });

  it.each(Object.values(packages))('every error class in %s passes a cause to Error', (module) => {
    const text = readFileSync(join(root, module), 'utf8');
    const classes = [...text.matchAll(/class (\w+) extends Error \{([\s\S]*?)\n\}/g)];
    expect(classes.length).toBeGreaterThan(0);
    for (const [, name, body] of classes) {
      expect(body, name).toMatch(/super\([\s\S]*(options|cause)[\s\S]*\)/);
    }
  });
});
