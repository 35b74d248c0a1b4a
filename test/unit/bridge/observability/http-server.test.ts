import { afterEach, describe, expect, it } from 'vitest';
import {
  type OpsHttpServer,
  PROMETHEUS_CONTENT_TYPE,
  type ReadinessStatus,
  startHttpServer,
} from '#bridge/observability/http-server';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';

const servers: OpsHttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(
  readiness: () => ReadinessStatus | Promise<ReadinessStatus>,
  onError?: (e: Error) => void,
) {
  const registry = new MetricsRegistry();
  registry
    .counter({ name: 'demo_total', help: 'Demo.', labelNames: ['subscription'] })
    .inc({ subscription: 'a' }, 3);
  const server = await startHttpServer({ port: 0, registry, readiness, ...(onError ? { onError } : {}) });
  servers.push(server);
  return server;
}

describe('startHttpServer', () => {
  it('binds to 127.0.0.1 by default and answers /healthz', async () => {
    const server = await start(() => ({ ready: true }));
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 or 503 and the reason, following the status callback', async () => {
    // Prepare
    let status: ReadinessStatus = { ready: false, reason: 'no nsqd connection', details: { orders: 0 } };
    const server = await start(async () => status);
    // Act + Assess
    const down = await fetch(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: 'not ready',
      reason: 'no nsqd connection',
      details: { orders: 0 },
    });
    status = { ready: true };
    const up = await fetch(`${server.url}/readyz`);
    expect(up.status).toBe(200);
    expect(await up.json()).toEqual({ status: 'ready' });
    status = { ready: false, reason: 'draining' };
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  });

  it('serves /metrics as Prometheus text', async () => {
    const server = await start(() => ({ ready: true }));
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await res.text()).toContain('demo_total{subscription="a"} 3\n');
  });

  it('answers HEAD without a body, 404 for unknown paths and 405 for other methods', async () => {
    const server = await start(() => ({ ready: true }));
    const head = await fetch(`${server.url}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const post = await fetch(`${server.url}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 500 and reports the error when the status callback throws', async () => {
    const errors: Error[] = [];
    const server = await start(
      () => {
        throw new Error('status broke');
      },
      (e) => errors.push(e),
    );
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(500);
    expect(errors.map((e) => e.message)).toEqual(['status broke']);
  });

  it('fails clearly when the port is taken', async () => {
    const first = await start(() => ({ ready: true }));
    await expect(
      startHttpServer({
        port: first.port,
        registry: new MetricsRegistry(),
        readiness: () => ({ ready: true }),
      }),
    ).rejects.toThrow(`ops HTTP port 127.0.0.1:${first.port} is already in use`);
  });
});
