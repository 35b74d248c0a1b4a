/**
 * A throw-away functions/ folder for CLI tests: definitions that import the real defineFunction by
 * absolute path (the folder lives outside the repository).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FunctionDefinitionInput } from '#shared/functions/definition';

const repoRoot = join(import.meta.dirname, '..', '..', '..');

export function functionsFixture(
  definitions: readonly FunctionDefinitionInput[],
  handlers: Record<string, string> = {},
): string {
  const root = mkdtempSync(join(tmpdir(), 'cli-functions-'));
  for (const d of definitions) {
    const dir = join(root, d.name);
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'definition.ts'),
      `import { defineFunction } from ${JSON.stringify(join(repoRoot, 'shared/functions/definition.ts'))};\nexport default defineFunction(${JSON.stringify(d)});\n`,
    );
    writeFileSync(
      join(dir, d.entry ?? 'handler.ts'),
      handlers[d.name] ??
        'export const handler = async (event: { messages: { id: string }[] }) => ({ batchItemFailures: [] });\n',
    );
  }
  return root;
}
