/**
 * Small files (DEVELOPERS.md): no .ts file under bridge/src is over 300 lines. A failure names every
 * file over the limit with its line count (as `wc -l` counts them); split it by responsibility.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const MAX_LINES = 300;

function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
}

describe('file sizes', () => {
  it('counts lines as wc -l does (a last line without a newline counts too)', () => {
    expect([lineCount(''), lineCount('a\n'), lineCount('a\nb\n'), lineCount('a\nb')]).toEqual([0, 1, 2, 2]);
  });

  it(`no .ts file under bridge/src is over ${MAX_LINES} lines`, () => {
    const files = sources('bridge/src');
    expect(files.length).toBeGreaterThan(10);
    const over = files
      .map((f) => ({ f, lines: lineCount(readFileSync(join(root, f), 'utf8')) }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ f, lines }) => `${f}: ${lines} lines`);
    expect(over).toEqual([]);
  });
});
