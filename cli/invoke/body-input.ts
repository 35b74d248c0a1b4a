/**
 * The message bodies of `invoke`: files (or `-` for stdin), each one message, or one message per line.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { badInput } from '../errors.ts';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function readBodies(
  sources: readonly string[],
  options: { lines: boolean; stdin: NodeJS.ReadableStream; cwd: string },
): Promise<Buffer[]> {
  if (sources.filter((s) => s === '-').length > 1) throw badInput('--body -: stdin can be read only once');
  const bodies: Buffer[] = [];
  for (const source of sources) {
    let bytes: Buffer;
    try {
      bytes = source === '-' ? await readAll(options.stdin) : await readFile(resolve(options.cwd, source));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw badInput(`cannot read --body ${source}${code ? ` (${code})` : ''}`, err);
    }
    const parts = options.lines
      ? bytes
          .toString('utf8')
          .split(/\r?\n/)
          .filter((l) => l.trim() !== '')
          .map((l) => Buffer.from(l, 'utf8'))
      : [bytes];
    if (parts.length === 0 || parts.some((p) => p.byteLength === 0)) {
      throw badInput(`--body ${source} is empty; NSQ messages have at least one byte`);
    }
    bodies.push(...parts);
  }
  return bodies;
}
