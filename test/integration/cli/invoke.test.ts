import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, hasStackTrace } from './cli-harness.ts';
import { functionsFixture } from './functions-fixture.ts';

// A handler that answers per message from its body: ok → finish, retry → requeue in 5 s, anything else → dead letter.
const sorter = `
export const handler = async (event: { messages: { id: string; body: string }[] }) => ({
  batchItemFailures: event.messages.flatMap((m) => {
    const text = Buffer.from(m.body, 'base64').toString('utf8');
    if (text === 'ok' || text.startsWith('{')) return [];
    if (text === 'retry') return [{ itemIdentifier: m.id, delayMs: 5000, reason: 'try later' }];
    return [{ itemIdentifier: m.id, action: 'deadLetter', reason: 'cannot handle ' + text }];
  }),
});
`;
const thrower = `export const handler = async () => { throw new TypeError('boom'); };\n`;
const liar = `export const handler = async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] });\n`;

let env: Record<string, string>;
let dir: string;

beforeAll(() => {
  env = {
    NSQ_LAMBDA_FUNCTIONS_DIR: functionsFixture(
      [
        { name: 'sorter', subscriptions: [{ topic: 'jobs', channel: 'lambda' }] },
        { name: 'thrower' },
        { name: 'liar' },
      ],
      { sorter, thrower, liar },
    ),
  };
  dir = mkdtempSync(join(tmpdir(), 'invoke-bodies-'));
  writeFileSync(join(dir, 'ok.json'), '{"order":1}');
  writeFileSync(join(dir, 'mixed.txt'), 'ok\nretry\n\nbad\n');
  writeFileSync(join(dir, 'empty.txt'), '');
  writeFileSync(join(dir, 'event.json'), '{"version":1,"messages":"nope"}');
});

describe('invoke', () => {
  it('runs one batch through the local Lambda and prints each message’s outcome', async () => {
    const ok = await cli(['invoke', 'sorter', '--body', 'ok.json'], { env, cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ID\s+OUTCOME\s+DETAIL\n[0-9a-f]{16}\s+finish\n/);
    expect(ok.stdout).toContain('sorter: 1 finished, 0 requeued, 0 dead-lettered');

    const mixed = await cli(['invoke', 'sorter', '--body', 'mixed.txt', '--lines', '--json'], {
      env,
      cwd: dir,
    });
    expect(mixed.code).toBe(1);
    const out = JSON.parse(mixed.stdout) as {
      kind: string;
      outcomes: { outcome: unknown }[];
      messages: number;
    };
    expect(out.kind).toBe('answered');
    expect(out.messages).toBe(3);
    expect(out.outcomes.map((o) => o.outcome)).toEqual([
      { kind: 'finish' },
      { kind: 'requeue', delayMs: 5000, reason: 'try later' },
      { kind: 'deadLetter', reason: 'cannot handle bad' },
    ]);
  });

  it('reads the body from stdin with -', async () => {
    const r = await cli(['invoke', 'sorter', '--body', '-'], { env, cwd: dir, stdinText: 'retry' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/requeue\s+after 5000 ms: try later/);
  });

  it('reports a function error and a response that breaks the contract', async () => {
    const threw = await cli(['invoke', 'thrower', '--body', 'ok.json', '--json'], { env, cwd: dir });
    expect(threw.code).toBe(1);
    expect(JSON.parse(threw.stdout)).toMatchObject({
      kind: 'functionError',
      errorType: 'TypeError',
      errorMessage: 'boom',
    });

    const lied = await cli(['invoke', 'liar', '--body', 'ok.json'], { env, cwd: dir });
    expect(lied.code).toBe(1);
    expect(lied.stdout).toContain('malformed response');
    expect(lied.stdout).toContain('unknown itemIdentifier');
  });

  it('fails in one line for an unknown handler, a missing or empty file, a malformed event and an unreachable endpoint', async () => {
    const cases: [string[], number, string][] = [
      [['invoke', 'nope', '--body', 'ok.json'], 3, 'unknown handler "nope"; known: liar, sorter, thrower'],
      [['invoke', 'sorter', '--body', 'missing.json'], 3, 'cannot read --body missing.json (ENOENT)'],
      [['invoke', 'sorter', '--body', 'empty.txt'], 3, 'is empty'],
      [['invoke', 'sorter', '--event', 'event.json'], 3, 'is not a batch event'],
      [['invoke', 'sorter'], 3, 'give --body'],
      [['invoke', 'sorter', '--body', 'ok.json', '--endpoint', 'http://127.0.0.1:9'], 4, 'unreachable'],
    ];
    for (const [argv, code, text] of cases) {
      const r = await cli(argv, { env, cwd: dir });
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(code);
      expect(r.stderr).toContain(text);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(hasStackTrace(r.stderr)).toBe(false);
    }
  });

  it('--runtime rie runs the batch under AWS’s Runtime Interface Emulator and the real runtime client', async () => {
    const mixed = await cli(
      ['invoke', 'sorter', '--body', 'mixed.txt', '--lines', '--runtime', 'rie', '--json'],
      {
        env,
        cwd: dir,
      },
    );
    expect(mixed.code, mixed.stderr).toBe(1);
    const out = JSON.parse(mixed.stdout) as { kind: string; outcomes: { outcome: { kind: string } }[] };
    expect(out.kind).toBe('answered');
    expect(out.outcomes.map((o) => o.outcome.kind)).toEqual(['finish', 'requeue', 'deadLetter']);
    // RIE's own log lines reach stderr with the function's.
    expect(mixed.stderr).toMatch(/REPORT RequestId: /);

    const threw = await cli(['invoke', 'thrower', '--body', 'ok.json', '--runtime', 'rie', '--json'], {
      env,
      cwd: dir,
    });
    expect(threw.code).toBe(1);
    expect(JSON.parse(threw.stdout)).toMatchObject({
      kind: 'functionError',
      errorType: 'TypeError',
      errorMessage: 'boom',
    });

    const wrong = await cli(['invoke', 'sorter', '--body', 'ok.json', '--runtime', 'lambda'], {
      env,
      cwd: dir,
    });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('--runtime must be local or rie');
  });
});
