import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBodies } from '#cli/invoke/body-input';

describe('readBodies', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'bodies-'));
  writeFileSync(join(cwd, 'bin'), Buffer.from([0, 10, 255]));
  writeFileSync(join(cwd, 'lines'), 'a\r\n\nb\n');
  const stdin = () => Readable.from([Buffer.from('from'), Buffer.from(' stdin')]);

  it('reads files byte-exact, stdin with -, and one message per line with lines', async () => {
    const bodies = await readBodies(['bin', '-'], { lines: false, stdin: stdin(), cwd });
    expect(bodies.map((b) => b.toString('hex'))).toEqual([
      '000aff',
      Buffer.from('from stdin').toString('hex'),
    ]);
    const lines = await readBodies(['lines'], { lines: true, stdin: stdin(), cwd });
    expect(lines.map(String)).toEqual(['a', 'b']);
  });

  it('refuses a missing file, an empty body and stdin twice', async () => {
    await expect(readBodies(['nope'], { lines: false, stdin: stdin(), cwd })).rejects.toThrow(
      'cannot read --body nope (ENOENT)',
    );
    writeFileSync(join(cwd, 'empty'), '');
    await expect(readBodies(['empty'], { lines: false, stdin: stdin(), cwd })).rejects.toThrow(/is empty/);
    await expect(readBodies(['-', '-'], { lines: false, stdin: stdin(), cwd })).rejects.toThrow(/only once/);
  });
});
