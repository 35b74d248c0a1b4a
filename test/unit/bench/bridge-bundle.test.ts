import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';
import { dockerfileEsbuildCommand, dockerfileNodeOptions } from '../../../bench/bridge-bundle.ts';

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

describe('dockerfileEsbuildCommand', () => {
  it('joins the continuation lines and points --outfile at the benchmark bundle', () => {
    expect(dockerfileEsbuildCommand(dockerfile, '/x/bridge.mjs')).toBe(
      `bridge/src/main.ts --bundle --platform=node --sourcemap "--banner:js=import { createRequire } from 'node:module';" --outfile=/x/bridge.mjs`,
    );
  });

  it('is undefined without an esbuild command', () => {
    expect(dockerfileEsbuildCommand('FROM node:22\nRUN npm ci\n', '/x')).toBeUndefined();
  });

  it("reads this repository's bridge/Dockerfile", () => {
    const real = readFileSync(join(projectRoot, 'bridge', 'Dockerfile'), 'utf8');
    const command = dockerfileEsbuildCommand(real, '/tmp/b.mjs');
    expect(command).toMatch(/^bridge\/src\/main\.ts .*--bundle/);
    expect(command).toMatch(/--outfile=\/tmp\/b\.mjs$/);
  });
});

describe('dockerfileNodeOptions', () => {
  it('reads NODE_OPTIONS from an ENV instruction, quoted or not', () => {
    expect(dockerfileNodeOptions(dockerfile)).toEqual(['--enable-source-maps']);
    expect(dockerfileNodeOptions('ENV NODE_OPTIONS="--a --b=2" X=1')).toEqual(['--a', '--b=2']);
    expect(dockerfileNodeOptions('ENV X=1')).toBeUndefined();
  });
});
