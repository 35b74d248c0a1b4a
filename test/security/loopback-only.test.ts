/**
 * Local development servers bind to 127.0.0.1 only (SECURITY.md): checked in the kernel's socket
 * table, for every listening socket a server process owns (so a second port, such as MinIO's console,
 * cannot slip through), not from what the server reports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalLambda } from '#dev/local-lambda/server';
import { startLocalUpstash } from '#dev/local-upstash/server';
import { freePort } from '#dev/services/ports';
import { RieFunction } from '#dev/services/rie';
import { bundleFunction } from '#shared/functions/bundling';
import { loadFunctions } from '#shared/functions/loader';
import { useServices, waitFor } from '#test/harness/services';
import { selfSignedCert } from '#test/harness/tls-certs';
import { spawnBridge } from '#test/integration/bridge/bridge-process';
import { parityFixturesDir } from '#test/parity/parity-harness';
import { isLoopback, listenersOfPid, listenersOnPort } from './listening-sockets.ts';

const services = useServices();

function expectLoopbackOnly(sockets: ReturnType<typeof listenersOnPort>, what: string) {
  expect(sockets.length, `${what} listens`).toBeGreaterThan(0);
  for (const s of sockets) expect(isLoopback(s), `${what} on ${s.address}:${s.port}`).toBe(true);
}

describe('dev servers listen on the loopback interface only', () => {
  it('the check itself: a server on all interfaces is caught', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    try {
      const sockets = listenersOnPort((server.address() as AddressInfo).port);
      expect(sockets.length).toBeGreaterThan(0);
      expect(sockets.some((s) => !isLoopback(s))).toBe(true);
      expect(listenersOfPid(process.pid).some((s) => !isLoopback(s))).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('the local Lambda', async () => {
    const lambda = await startLocalLambda({ functions: [], log: () => {} });
    try {
      expectLoopbackOnly(listenersOnPort(lambda.port), 'local Lambda');
    } finally {
      await lambda.close();
    }
  });

  it('the local Upstash endpoint', async () => {
    const redis = await services.redis();
    const upstash = await startLocalUpstash({ redisPort: redis.port, token: 'loopback-test-token' });
    try {
      expectLoopbackOnly(listenersOnPort(upstash.port), 'local Upstash');
    } finally {
      await upstash.close();
    }
  });

  it("the bridge's ops HTTP server with its default host", async () => {
    const port = await freePort();
    const bridge = spawnBridge({
      nsqdTcpAddresses: ['127.0.0.1:1'],
      deadLetter: { kind: 's3', bucket: 'unused' },
      http: { port },
      subscriptions: [{ name: 'loop', functionName: 'loop-fn', topic: 'loop', channel: 'bridge' }],
    });
    try {
      await waitFor(() => listenersOnPort(port).length > 0, {
        what: 'the ops server listening',
        timeoutMs: 20_000,
      });
      const pid = bridge.child.pid as number;
      expectLoopbackOnly(listenersOfPid(pid), 'the bridge process');
    } finally {
      bridge.kill('SIGKILL');
      await bridge.exited;
    }
  });

  it("AWS's Runtime Interface Emulator as dev/services/rie.ts starts it (invoke and runtime API ports)", async () => {
    const [fn] = (await loadFunctions(parityFixturesDir)).filter((f) => f.definition.name === 'cases');
    if (!fn) throw new Error('the parity fixture "cases" is missing');
    const dir = mkdtempSync(join(tmpdir(), 'loopback-rie-'));
    const bundle = await bundleFunction(fn, dir);
    const rie = await RieFunction.start({
      bundleFile: bundle.file,
      handler: 'index.handler',
      functionName: 'cases',
      timeoutSec: 3,
      memoryMb: 256,
    });
    try {
      expect((await rie.invoke('{"case":"batch"}')).status).toBe(200);
      const sockets = listenersOfPid(rie.process.pid);
      expect(sockets.length).toBe(2);
      expectLoopbackOnly(sockets, 'aws-lambda-rie');
    } finally {
      await rie.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nsqd, redis-server and MinIO as the dev launchers start them', async () => {
    const nsqd = await services.nsqd();
    const redis = await services.redis();
    const minio = await services.minio();
    const nsqdSockets = listenersOfPid(nsqd.pid);
    expect(nsqdSockets.map((s) => s.port).sort()).toEqual(
      [Number(nsqd.tcpAddress.split(':')[1]), Number(nsqd.httpAddress.split(':')[1])].sort(),
    );
    expectLoopbackOnly(nsqdSockets, 'nsqd');
    expectLoopbackOnly(listenersOfPid(redis.process.pid), 'redis-server');
    expectLoopbackOnly(listenersOfPid(minio.process.pid), 'MinIO');
  });

  it('nsqd with TLS: its HTTPS listener too (nsqd would put it on [::]:4152)', async () => {
    const { cert, key } = selfSignedCert();
    const nsqd = await services.nsqd({ args: [`--tls-cert=${cert}`, `--tls-key=${key}`] });
    const sockets = listenersOfPid(nsqd.pid);
    // TCP, HTTP and HTTPS.
    expect(sockets).toHaveLength(3);
    expectLoopbackOnly(sockets, 'nsqd with TLS');
  });
});
