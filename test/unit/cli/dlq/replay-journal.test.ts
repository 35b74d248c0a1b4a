import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplayJournal } from '#cli/dlq/replay-journal';

const header = { source: 's3://b/p', target: '127.0.0.1:4151' };
const path = () => join(mkdtempSync(join(tmpdir(), 'journal-')), 'nested', 'j.jsonl');

describe('ReplayJournal', () => {
  it('persists begin/done/abandon across opens and reports begin-without-done as uncertain', () => {
    const p = path();
    const j = ReplayJournal.open(p, header, 1);
    j.begin('a', 2);
    j.done('a', 3);
    j.begin('b', 4);
    j.begin('c', 5);
    j.abandon('c', 6);
    j.close();
    const again = ReplayJournal.open(p, header, 7);
    expect(again.state('a')).toBe('done');
    expect(again.state('b')).toBe('begin');
    expect(again.state('c')).toBeUndefined();
    expect(again.uncertain()).toEqual(['b']);
    expect(again.header).toEqual({ ...header, createdAtMs: 1 });
    again.close();
  });

  it('tolerates a torn last line (a crash mid-write) but not damage earlier in the file', () => {
    const p = path();
    ReplayJournal.open(p, header, 1).close();
    appendFileSync(p, `${JSON.stringify({ k: 'a', s: 'done', t: 1 })}\n{"k":"b","s":"do`);
    const j = ReplayJournal.open(p, header, 2);
    expect(j.state('a')).toBe('done');
    expect(j.state('b')).toBeUndefined();
    j.close();
    writeFileSync(
      p,
      `garbage\n${JSON.stringify({ k: 'a', s: 'done', t: 1 })}\n${JSON.stringify({ k: 'b', s: 'done', t: 1 })}\n`,
    );
    expect(() => ReplayJournal.open(p, header, 3)).toThrow(/line 1 is not JSON/);
  });

  it('keeps a second replay off a journal in use, and takes over the lock of a dead process', () => {
    const p = path();
    const j = ReplayJournal.open(p, header, 1);
    expect(() => ReplayJournal.open(p, header, 2)).toThrow(
      new RegExp(`another replay \\(pid ${process.pid}\\)`),
    );
    j.close();
    expect(existsSync(`${p}.lock`)).toBe(false);
    // A lock left by a process that is gone.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    writeFileSync(`${p}.lock`, dead.stdout);
    const taken = ReplayJournal.open(p, header, 3);
    expect(readFileSync(`${p}.lock`, 'utf8')).toBe(String(process.pid));
    taken.close();
  });
});
