/**
 * bridge/Dockerfile, without Docker: its shape (multi-stage, non-root, SIGTERM), its build context, and
 * the bundle its own esbuild command builds. The bundle runs from a folder with no node_modules, with
 * the config the infra builds, against a real nsqd: it must start, pass the ECS health check command,
 * and drain and exit 0 on SIGTERM.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bridgeRuntimeConfig } from '#infra/lib/bridge-runtime-config';
import { bridgeHealthCheckCommand } from '#infra/lib/nsq-lambda-bridge';
import { repoRoot } from '#infra/lib/paths';
import { bundleTarget } from '#shared/functions/bundling';
import { loadFunction } from '#shared/functions/loader';
import { useServices, waitFor } from '#test/harness/services';
import { dockerfileNodeArgs } from '../../../bench/bridge-bundle.ts';
import { fixtureFunctionsDir, SYNTH_TIMEOUT_MS } from './fixtures/synth.ts';

vi.setConfig({ testTimeout: SYNTH_TIMEOUT_MS, hookTimeout: SYNTH_TIMEOUT_MS });

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(text: string): Instruction[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'))
    .map((l) => {
      const [keyword = '', ...rest] = l.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = instructions(readFileSync(join(repoRoot, 'bridge/Dockerfile'), 'utf8'));
const services = useServices();

describe('bridge/Dockerfile', () => {
  it('is multi-stage on node:24, runs as the unprivileged user, stops on SIGTERM and runs the bundle it builds', () => {
    const from = dockerfile.filter((i) => i.keyword === 'FROM').map((i) => i.args);
    expect(from).toHaveLength(2);
    for (const f of from) expect(f).toMatch(/\bnode:24-bookworm-slim\b/);
    const last = dockerfile.slice(dockerfile.findLastIndex((i) => i.keyword === 'FROM'));
    expect(last.find((i) => i.keyword === 'USER')?.args).toBe('node');
    expect(last.find((i) => i.keyword === 'STOPSIGNAL')?.args).toBe('SIGTERM');
    const cmd = JSON.parse(last.find((i) => i.keyword === 'CMD')?.args ?? '[]') as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe('bridge.mjs');
    for (const flag of cmd.slice(1, -1)) expect(flag).toMatch(/^--/);
    const esbuild = dockerfile.find((i) => i.args.includes('esbuild'))?.args;
    expect(esbuild).toContain('--outdir=dist');
    // The bridge is built for the Node the functions are bundled for (shared/functions/bundling.ts).
    expect(esbuild).toContain(`--target=${bundleTarget}`);
    expect(esbuild).toContain('--entry-names=bridge');
  });

  it('keeps source-mapped stack traces and the memory flags bench/bridge-bundle.ts measures', () => {
    const env = dockerfile.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    expect(env.join(' ')).toMatch(/NODE_OPTIONS="[^"]*--enable-source-maps[^"]*"/);
    expect(env.join(' ')).toMatch(/NODE_OPTIONS="[^"]*--max-semi-space-size=\d+[^"]*"/);
    const esbuild = dockerfile.find((i) => i.args.includes('esbuild'))?.args;
    expect(esbuild).toContain('--sourcemap');
    expect(esbuild).toContain('--splitting');
  });

  it('lets through .dockerignore exactly what it copies from the context', () => {
    const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8');
    const sources = dockerfile
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.sort()).toEqual(
      ['bridge', 'functions', 'package-lock.json', 'package.json', 'shared', 'tsconfig.json'].sort(),
    );
    for (const source of sources) {
      expect(ignore).toMatch(new RegExp(`^!${source.replace('.', '\\.')}(/\\*\\*)?$`, 'm'));
    }
  });
});

describe('the bundle bridge/Dockerfile builds', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'nsq-lambda-bridge-bundle-'));
  const bundle = join(outDir, 'bridge.mjs');
  // The image's node flags (NODE_OPTIONS, then CMD's), so the bundle runs as it does in the task.
  const nodeArgs = dockerfileNodeArgs(readFileSync(join(repoRoot, 'bridge/Dockerfile'), 'utf8'));
  let child: ChildProcess | undefined;

  beforeAll(() => {
    // The Dockerfile's own command, only writing elsewhere.
    const command = dockerfile.find((i) => i.keyword === 'RUN' && i.args.includes('esbuild'))?.args ?? '';
    execFileSync('sh', ['-c', command.replace('--outdir=dist', `--outdir=${outDir}`)], {
      cwd: repoRoot,
      env: {
        ...process.env,
        PATH: `${join(repoRoot, 'node_modules', '.bin')}:${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      },
      stdio: 'pipe',
    });
  });
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(outDir, { recursive: true, force: true });
  });

  function run(env: Record<string, string>): ChildProcess {
    // cwd and file live outside the repository: nothing can be resolved from node_modules.
    return spawn(process.execPath, [...nodeArgs, bundle], {
      cwd: outDir,
      env: { PATH: process.env.PATH ?? '', NSQ_LAMBDA_EMF: 'off', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  it('is an ESM entry and its chunks, each with a source map without the sources', () => {
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const chunks = readdirSync(join(outDir, 'chunks')).filter((f) => f.endsWith('.mjs'));
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(existsSync(join(outDir, 'chunks', `${chunk}.map`))).toBe(true);
    const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sourcesContent?: unknown };
    expect(map.sourcesContent).toBeUndefined();
    // S3 dead letters, Upstash toggles and the HTTP invoker load on demand: the entry does not hold their code.
    const entry = readFileSync(bundle, 'utf8');
    expect(entry).not.toContain('PutObjectCommand');
    expect(entry).toMatch(/import\("\.\/chunks\/s3-store-[^"]+\.mjs"\)/);
    expect(entry).not.toContain('llhttp');
    expect(entry).toMatch(/import\("\.\/chunks\/http-invoker-[^"]+\.mjs"\)/);
    // nsqjs's node-fetch (for lookupd queries the bridge makes itself) is aliased to a stub.
    expect(entry).toContain('node_modules/nsqjs/lib/lookupd.js');
    expect(entry).not.toContain('node_modules/node-fetch/');
    expect(entry).not.toContain('node_modules/tr46/');
  });

  it('exits 1 listing the problem when no config is given', () => {
    const result = spawnSync(process.execPath, [...nodeArgs, bundle], {
      cwd: outDir,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('invalid bridge config');
    expect(result.stderr).toContain('NSQ_LAMBDA_CONFIG');
  });

  it('starts on the config the infra builds, passes the ECS health check and drains on SIGTERM', async () => {
    const nsqd = await services.nsqd();
    const port = await freePort();
    const echo = await loadFunction('echo', fixtureFunctionsDir);
    const config = bridgeRuntimeConfig({
      targets: [
        { definition: echo.definition, functionName: 'arn:aws:lambda:us-east-1:123456789012:function:echo' },
      ],
      nsqdTcpAddresses: [nsqd.tcpAddress],
      lookupdHttpAddresses: [],
      region: 'us-east-1',
      deadLetterBucket: 'nsq-lambda-dead-letters',
      deadLetterPrefix: 'dead-letters/',
      httpPort: port,
      drainDeadlineMs: 5_000,
    });
    // In the task the bridge listens on 0.0.0.0 (only the health check reaches it); here on loopback only.
    const local = { ...config, http: { host: '127.0.0.1', port } };
    let output = '';
    child = run({ NSQ_LAMBDA_CONFIG: JSON.stringify(local) });
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));

    await waitFor(() => output.includes('"msg":"bridge started"'), {
      what: 'the bridge to start',
      timeoutMs: 30_000,
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
      { what: 'the bridge to connect to nsqd (/readyz 200)', timeoutMs: 30_000 },
    );
    const [, node, flag, script] = bridgeHealthCheckCommand(port);
    const check = spawnSync(
      node === 'node' ? process.execPath : String(node),
      [String(flag), String(script)],
      {
        timeout: 15_000,
      },
    );
    expect(check.status).toBe(0);

    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000)),
    ]);
    expect(code, output.slice(-2000)).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
