/**
 * The CLI never hangs on a server that accepts the connection and never answers: the S3 client
 * (cli/lib/settings.ts) and the Invoke client (cli/invoke/invoke-batch.ts) fail the request at their
 * timeout (the shared client config sets throwOnRequestTimeout; without it the SDK only logs a warning),
 * and the real CLI process exits with a clear error. The server is a real TCP listener on 127.0.0.1.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '#cli/lib/exit-codes';
import { type CliRun, hasStackTrace, spawnCli } from './cli-harness.ts';
import { functionsFixture } from './functions-fixture.ts';

let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();
let accepted = 0;

beforeAll(async () => {
  // Reads whatever is sent and never writes a byte back.
  server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  endpoint = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

/** Runs the real CLI bin; kills it (and fails) if it has not exited by `deadlineMs`. */
async function runWithin(argv: string[], deadlineMs: number, env: Record<string, string> = {}) {
  const started = Date.now();
  const run = spawnCli(argv, { env });
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), deadlineMs);
  });
  const result = await Promise.race([run.done, hung]);
  clearTimeout(timer);
  if (result === 'hung') {
    run.child.kill('SIGKILL');
    await run.done;
    throw new Error(`the CLI was still running after ${deadlineMs} ms: ${JSON.stringify(run.output())}`);
  }
  return { ...(result as CliRun), elapsedMs: Date.now() - started };
}

describe('the CLI against a server that never answers', () => {
  it('dlq list: the S3 request times out and the CLI exits 4 naming the timeout', async () => {
    const before = accepted;
    const r = await runWithin(
      ['dlq', 'list', '--bucket', 'dead', '--s3-endpoint', endpoint, '--timeout', '1s'],
      15_000,
      { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'us-east-1' },
    );
    expect(r.code, r.stderr).toBe(ExitCode.unavailable);
    expect(r.stderr).toMatch(
      /S3 at s3:\/\/dead\/dead-letters did not answer \(list\).*1000 ms requestTimeout/,
    );
    expect(hasStackTrace(r.stderr)).toBe(false);
    // One request and its one retry, each given up after 1 s.
    expect(accepted - before).toBe(2);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(2_000);
  });

  it('invoke: the Invoke times out at --timeout and the CLI exits 4 naming the timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'invoke-timeout-'));
    writeFileSync(join(dir, 'm.json'), '{"greeting":"hi"}');
    const before = accepted;
    const r = await runWithin(
      [
        'invoke',
        'echo',
        '--body',
        join(dir, 'm.json'),
        '--endpoint',
        endpoint,
        '--functions-dir',
        functionsFixture([{ name: 'echo' }], { echo: 'export const handler = async () => null;\n' }),
        '--timeout',
        '1500ms',
      ],
      15_000,
    );
    expect(r.code, r.stderr).toBe(ExitCode.unavailable);
    expect(r.stderr).toMatch(/did not answer the Invoke of echo within 1500 ms/);
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(accepted - before).toBe(1);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1_500);
  });
});
