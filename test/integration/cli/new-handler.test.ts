import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './cli-harness.ts';

const repo = join(import.meta.dirname, '..', '..', '..');
let root: string;

/**
 * A throw-away copy of the project: shared/ (whose function loader finds functions/ next to itself),
 * functions/template and the template's test are real copies the scaffolder writes next to; everything
 * else is a symlink to this repository.
 */
function projectCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-new-handler-'));
  for (const entry of ['package.json', 'node_modules', 'dev', 'vitest.config.ts', 'biome.json', '.cache']) {
    symlinkSync(join(repo, entry), join(dir, entry));
  }
  cpSync(join(repo, 'shared'), join(dir, 'shared'), { recursive: true });
  mkdirSync(join(dir, 'functions'));
  mkdirSync(join(dir, 'test', 'integration', 'functions'), { recursive: true });
  for (const template of ['template', 'template-edge']) {
    cpSync(join(repo, 'functions', template), join(dir, 'functions', template), { recursive: true });
    cpSync(
      join(repo, 'test', 'integration', 'functions', `${template}.test.ts`),
      join(dir, 'test', 'integration', 'functions', `${template}.test.ts`),
    );
  }
  symlinkSync(join(repo, 'test', 'harness'), join(dir, 'test', 'harness'));
  symlinkSync(join(repo, 'test', 'unit'), join(dir, 'test', 'unit'));
  // The project's compiler options, over the functions and their tests (and all they import).
  const tsconfig = JSON.parse(readFileSync(join(repo, 'tsconfig.json'), 'utf8')) as { include: string[] };
  tsconfig.include = ['functions', 'test/integration/functions'];
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
  return dir;
}

/**
 * The environment for a nested vitest run: without this run's pid directory (the nested run's
 * teardown would kill every service this run's other files started) or its worker variables.
 */
function nestedEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { CI: '1' };
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'NSQ_LAMBDA_PID_DIR' || k.startsWith('VITEST') || k === 'NODE_OPTIONS')
      continue;
    env[k] = v;
  }
  return env;
}

beforeAll(() => {
  root = projectCopy();
});

describe('new handler', () => {
  it('scaffolds a function that type-checks, passes its test and runs through the local Lambda', async () => {
    const dry = await cli(['new', 'handler', 'resize-image', '--root', root, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).files).toEqual([
      'functions/resize-image/handler.ts',
      'functions/resize-image/definition.ts',
      'test/integration/functions/resize-image.test.ts',
    ]);
    expect(existsSync(join(root, 'functions', 'resize-image'))).toBe(false);

    const made = await cli([
      'new',
      'handler',
      'resize-image',
      '--root',
      root,
      '--topic',
      'images',
      '--channel',
      'resize',
    ]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('functions/resize-image/definition.ts');
    const definition = readFileSync(join(root, 'functions', 'resize-image', 'definition.ts'), 'utf8');
    expect(definition).toContain("name: 'resize-image'");
    expect(definition).toContain("topic: 'images', channel: 'resize'");
    expect(readFileSync(join(root, 'functions', 'resize-image', 'handler.ts'), 'utf8')).not.toMatch(
      /\btemplate\b/,
    );

    const tsc = spawnSync(
      process.execPath,
      [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    const lint = spawnSync(
      process.execPath,
      [
        join(repo, 'node_modules/@biomejs/biome/bin/biome'),
        'check',
        '--vcs-enabled=false',
        'functions/resize-image',
        'test/integration/functions/resize-image.test.ts',
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);

    const test = spawnSync(
      process.execPath,
      [
        join(repo, 'node_modules/vitest/vitest.mjs'),
        'run',
        'test/integration/functions/resize-image.test.ts',
      ],
      { cwd: root, encoding: 'utf8', env: nestedEnv() },
    );
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/1 passed/);

    writeFileSync(join(root, 'hello.json'), '{"greeting":"hi"}');
    const invoked = await cli(
      [
        'invoke',
        'resize-image',
        '--body',
        'hello.json',
        '--functions-dir',
        join(root, 'functions'),
        '--json',
      ],
      { cwd: root, env: { POWERTOOLS_LOG_LEVEL: 'SILENT' } },
    );
    expect(invoked.code, invoked.stderr).toBe(0);
    expect(JSON.parse(invoked.stdout)).toMatchObject({
      kind: 'answered',
      outcomes: [{ outcome: { kind: 'finish' } }],
    });
  }, 240_000);

  it('scaffolds an edge function (--edge) that type-checks and passes its test', async () => {
    const made = await cli(['new', 'handler', 'geo-enrich', '--edge', '--root', root, '--json']);
    expect(made.code, made.stderr).toBe(0);
    expect(JSON.parse(made.stdout).files).toEqual([
      'functions/geo-enrich/handler.ts',
      'functions/geo-enrich/definition.ts',
      'test/integration/functions/geo-enrich.test.ts',
    ]);
    expect(readFileSync(join(root, 'functions', 'geo-enrich', 'definition.ts'), 'utf8')).toContain(
      "target: 'edge'",
    );
    expect(readFileSync(join(root, 'functions', 'geo-enrich', 'handler.ts'), 'utf8')).not.toMatch(
      /template-edge/,
    );

    const tsc = spawnSync(
      process.execPath,
      [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    const test = spawnSync(
      process.execPath,
      [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', 'test/integration/functions/geo-enrich.test.ts'],
      { cwd: root, encoding: 'utf8', env: nestedEnv() },
    );
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/1 passed/);
  }, 240_000);

  it('refuses an invalid or taken name in one line and writes nothing', async () => {
    const bad = await cli(['new', 'handler', 'Bad_Name', '--root', root]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('handler name "Bad_Name" must be lowercase');
    const taken = await cli(['new', 'handler', 'template', '--root', root]);
    expect(taken.code).toBe(3);
    await cli(['new', 'handler', 'twice', '--root', root]);
    const again = await cli(['new', 'handler', 'twice', '--root', root]);
    expect(again.code).toBe(3);
    expect(again.stderr.trim()).toBe('nsq-lambda: functions/twice already exists; pick another name');
    const badTopic = await cli(['new', 'handler', 'ok-name', '--topic', 'no spaces', '--root', root]);
    expect(badTopic.code).toBe(3);
    expect(existsSync(join(root, 'functions', 'ok-name'))).toBe(false);
  });
});
