/**
 * The docs stand on their own: no Markdown file of the repository points at a file outside it by an
 * absolute path (a reader of the published repository has no /work, /home or /tmp of ours).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';

const ABSOLUTE_PATH = /(^|[\s`("'[])\/(work|home|root|tmp|Users|mnt|var\/folders)\/[^\s`)"']*/g;

const markdown = execFileSync('git', ['ls-files', '*.md'], { cwd: projectRoot, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.startsWith('node_modules/'));

describe('the docs', () => {
  it('are found', () => {
    expect(markdown).toContain('docs/bridge.md');
  });

  it.each(markdown)('%s names no file outside the repository by an absolute path', (file) => {
    const text = readFileSync(join(projectRoot, file), 'utf8');
    const found = [...text.matchAll(ABSOLUTE_PATH)].map((m) => m[0].trim());
    expect(found).toEqual([]);
  });
});
