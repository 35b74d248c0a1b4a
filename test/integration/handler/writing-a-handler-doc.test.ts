/**
 * docs/writing-a-handler.md shows real files: every ```ts block that names a docs/snippets file must
 * equal it, and every snippet must appear. The snippets are type-checked by tsc (docs/ is in the
 * tsconfig); the testing snippet also runs here, against redis through the local Upstash endpoint.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../../docs/snippets/test-a-handler.ts';

const root = join(import.meta.dirname, '../../..');
const doc = readFileSync(join(root, 'docs/writing-a-handler.md'), 'utf8');

describe('docs/writing-a-handler.md', () => {
  it('shows every snippet exactly as the compiled file', () => {
    // Prepare
    const blocks = [...doc.matchAll(/```ts\n\/\/ (docs\/snippets\/[a-z0-9-]+\.ts)\n([\s\S]*?)\n```/g)];
    const files = readdirSync(join(root, 'docs/snippets')).filter((f) => f.endsWith('.ts'));

    // Act
    const shown = blocks.map(([, path, code]) => ({ path: path as string, code: code as string }));

    // Assess
    expect(shown.map((b) => b.path).sort()).toEqual(files.map((f) => `docs/snippets/${f}`).sort());
    for (const { path, code } of shown) {
      expect(code, path).toBe(readFileSync(join(root, path), 'utf8').trimEnd());
    }
  });
});
