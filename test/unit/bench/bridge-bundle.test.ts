import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';
import {
  bundleFrameMapper,
  dockerfileCmdNodeFlags,
  dockerfileEnv,
  dockerfileEsbuildCommand,
  dockerfileNodeArgs,
  dockerfileNodeOptions,
} from '../../../bench/bridge-bundle.ts';

const dockerfile = [
  'FROM node:22 AS build',
  'RUN npm ci',
  'RUN npx esbuild bridge/src/main.ts --bundle --platform=node \\',
  '      --sourcemap \\',
  `      "--banner:js=import { createRequire } from 'node:module';" \\`,
  '      --outfile=dist/bridge.mjs',
  'FROM node:22',
  'ENV NODE_ENV=production \\',
  '    NODE_OPTIONS=--enable-source-maps',
  'CMD ["node", "bridge.mjs"]',
].join('\n');

const split = [
  'RUN npx esbuild bridge/src/main.ts --bundle --sourcemap \\',
  '      --splitting --entry-names=bridge "--chunk-names=chunks/[name]-[hash]" \\',
  '      --outdir=dist',
  'ENV NODE_OPTIONS="--enable-source-maps --max-semi-space-size=2"',
  'CMD ["node", "--heap-growing-percent=100", "bridge.mjs"]',
].join('\n');

describe('dockerfileEsbuildCommand', () => {
  it('joins the continuation lines and points --outfile at the benchmark bundle', () => {
    expect(dockerfileEsbuildCommand(dockerfile, '/x')).toBe(
      `bridge/src/main.ts --bundle --platform=node --sourcemap "--banner:js=import { createRequire } from 'node:module';" --outfile=/x/bridge.mjs`,
    );
  });

  it('points --outdir at the benchmark folder', () => {
    expect(dockerfileEsbuildCommand(split, '/x/b')).toBe(
      'bridge/src/main.ts --bundle --sourcemap --splitting --entry-names=bridge "--chunk-names=chunks/[name]-[hash]" --outdir=/x/b',
    );
  });

  it('is undefined without an esbuild command', () => {
    expect(dockerfileEsbuildCommand('FROM node:22\nRUN npm ci\n', '/x')).toBeUndefined();
  });

  it("reads this repository's bridge/Dockerfile", () => {
    const real = readFileSync(join(projectRoot, 'bridge', 'Dockerfile'), 'utf8');
    const command = dockerfileEsbuildCommand(real, '/tmp/b');
    expect(command).toMatch(/^bridge\/src\/main\.ts .*--bundle/);
    expect(command).toMatch(/--outdir=\/tmp\/b$/);
  });
});

describe('dockerfileNodeOptions', () => {
  it('reads NODE_OPTIONS from an ENV instruction, quoted or not', () => {
    expect(dockerfileNodeOptions(dockerfile)).toEqual(['--enable-source-maps']);
    expect(dockerfileNodeOptions('ENV NODE_OPTIONS="--a --b=2" X=1')).toEqual(['--a', '--b=2']);
    expect(dockerfileNodeOptions('ENV X=1')).toBeUndefined();
  });
});

describe('dockerfileEnv', () => {
  it('reads every ENV pair, quoted or not, continuation lines joined', () => {
    expect(
      dockerfileEnv('FROM x\nENV A=1 \\\n    B="two words" \\\n    C=\'3 4\'\nRUN true\nENV A=5'),
    ).toEqual({ A: '5', B: 'two words', C: '3 4' });
  });

  it("reads this repository's bridge/Dockerfile: the image caps glibc's malloc arenas", () => {
    const env = dockerfileEnv(readFileSync(join(projectRoot, 'bridge', 'Dockerfile'), 'utf8'));
    expect(env).toMatchObject({ NODE_ENV: 'production', MALLOC_ARENA_MAX: '2' });
    expect(env.NODE_OPTIONS).toContain('--max-semi-space-size=2');
  });
});

describe('dockerfileNodeArgs', () => {
  it("adds the flags of CMD's exec form to NODE_OPTIONS (V8 refuses some in NODE_OPTIONS)", () => {
    expect(dockerfileCmdNodeFlags(split)).toEqual(['--heap-growing-percent=100']);
    expect(dockerfileNodeArgs(split)).toEqual([
      '--enable-source-maps',
      '--max-semi-space-size=2',
      '--heap-growing-percent=100',
    ]);
    expect(dockerfileNodeArgs(dockerfile)).toEqual(['--enable-source-maps']);
    expect(dockerfileCmdNodeFlags('CMD node bridge.mjs')).toEqual([]);
    expect(dockerfileCmdNodeFlags('CMD ["npm", "--x", "start"]')).toEqual([]);
  });

  it("reads this repository's bridge/Dockerfile", () => {
    const real = readFileSync(join(projectRoot, 'bridge', 'Dockerfile'), 'utf8');
    expect(dockerfileNodeArgs(real)).toContain('--enable-source-maps');
  });
});

describe('bundleFrameMapper', () => {
  it('maps frames of the entry and of its chunks through their own maps, and leaves others alone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nsq-lambda-frame-mapper-'));
    try {
      mkdirSync(join(dir, 'chunks'));
      // One segment each: generated line 0, column 0 → source 0, line 4 (1-based 5), column 0.
      const map = (source: string) =>
        JSON.stringify({ version: 3, sources: [source], names: [], mappings: 'AAIA' });
      writeFileSync(join(dir, 'bridge.mjs'), 'x\n');
      writeFileSync(join(dir, 'bridge.mjs.map'), map('../src/main.ts'));
      writeFileSync(join(dir, 'chunks', 'c-1.mjs'), 'y\n');
      writeFileSync(join(dir, 'chunks', 'c-1.mjs.map'), map('../node_modules/x/index.js'));
      const mapper = bundleFrameMapper(join(dir, 'bridge.mjs'));
      const frame = (url: string) => ({ functionName: 'f', url, lineNumber: 0, columnNumber: 0 });
      const entry = mapper(frame(pathToFileURL(join(dir, 'bridge.mjs')).href));
      expect(entry.url).toMatch(/src\/main\.ts$/);
      expect(entry.lineNumber).toBe(4);
      expect(mapper(frame(join(dir, 'chunks', 'c-1.mjs'))).url).toMatch(/node_modules\/x\/index\.js$/);
      for (const url of ['node:internal/timers', '', '/elsewhere/a.mjs'])
        expect(mapper(frame(url))).toEqual(frame(url));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
