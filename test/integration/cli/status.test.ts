import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Reader } from 'nsqjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridgeMetrics } from '#bridge/observability/metric-definitions';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';
import { runCli } from '#cli/program';
import type { Nsqd } from '#dev/services/nsq';
import { freePort } from '#dev/services/ports';
import { useServices, waitFor } from '#test/harness/services';
import { type UpstashFixture, useLocalUpstash } from '#test/harness/upstash';
import { captureIo, cli, hasStackTrace } from './cli-harness.ts';
import { functionsFixture } from './functions-fixture.ts';

const services = useServices();
const upstash = useLocalUpstash();
let nsqd: Nsqd;
let fx: UpstashFixture;
let metricsServer: Server;
let metricsUrl: string;
let scrapes = 0;
const readers: Reader[] = [];
let env: Record<string, string>;

let closedPort: number;

beforeAll(async () => {
  closedPort = await freePort();
  [nsqd, fx] = await Promise.all([services.nsqd(), upstash.start()]);
  // A bridge's /metrics: the real registry and metric names; each scrape sees 10 more finished messages.
  const registry = new MetricsRegistry();
  const m = createBridgeMetrics(registry);
  m.concurrencyLimit.set({ subscription: 'orders' }, 3);
  m.concurrencyMax.set({ subscription: 'orders' }, 8);
  m.invocations.inc({ subscription: 'orders', outcome: 'functionError' }, 2);
  m.invocations.inc({ subscription: 'orders', outcome: 'throttled' }, 5);
  m.filteredOut.inc({ subscription: 'orders', action: 'finish' }, 6);
  m.filteredOut.inc({ subscription: 'orders', action: 'deadLetter' }, 1);
  m.expired.inc({ subscription: 'orders', action: 'drop' }, 4);
  metricsServer = createServer((_req, res) => {
    scrapes++;
    m.finished.inc({ subscription: 'orders' }, 10);
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(registry.renderPrometheus());
  });
  await new Promise<void>((r) => metricsServer.listen(0, '127.0.0.1', r));
  metricsUrl = `http://127.0.0.1:${(metricsServer.address() as AddressInfo).port}/metrics`;
  const dir = functionsFixture([
    { name: 'orders', subscriptions: [{ topic: 'orders', channel: 'lambda' }] },
    { name: 'idle', subscriptions: [{ topic: 'idle', channel: 'lambda' }] },
  ]);
  env = {
    NSQD_HTTP_ADDRESS: nsqd.httpAddress,
    BRIDGE_METRICS_URL: metricsUrl,
    UPSTASH_REDIS_REST_URL: fx.url,
    UPSTASH_REDIS_REST_TOKEN: fx.token,
    NSQ_LAMBDA_FUNCTIONS_DIR: dir,
  };

  // nsqd state: 10 published; a consumer holds 3 in flight and requeues 2 with a long delay (deferred).
  await nsqd.http.createTopic('orders');
  await nsqd.http.createChannel('orders', 'lambda');
  await nsqd.http.publishMany(
    'orders',
    Array.from({ length: 10 }, (_, i) => `m${i}`),
  );
  let seen = 0;
  const reader = new Reader('orders', 'lambda', { nsqdTCPAddresses: [nsqd.tcpAddress], maxInFlight: 3 });
  readers.push(reader);
  reader.on('message', (msg) => {
    seen++;
    if (seen <= 2) msg.requeue(600_000, false);
  });
  reader.connect();
  await waitFor(
    async () => {
      const c = await nsqd.http.channelStats('orders', 'lambda');
      return c?.deferred_count === 2 && c.in_flight_count === 3;
    },
    { what: '2 deferred and 3 in flight', timeoutMs: 20_000 },
  );
  await cli(['toggle', 'stop', 'orders'], { env });
});

afterAll(async () => {
  for (const r of readers) r.close();
  await new Promise((r) => metricsServer?.close(r));
});

describe('status', () => {
  it('shows one row per subscription from nsqd, the bridge metrics and the toggle', async () => {
    const before = scrapes;
    const r = await cli(['status', '--json', '--sample', '300ms'], { env });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { rows: Record<string, unknown>[]; problems: string[] };
    expect(out.problems).toEqual([]);
    expect(scrapes - before).toBe(2);
    const orders = out.rows.find((row) => row.subscription === 'orders');
    const idle = out.rows.find((row) => row.subscription === 'idle');
    expect(orders).toMatchObject({
      subscription: 'orders',
      depth: 5,
      inFlight: 3,
      deferred: 2,
      consumers: 1,
      requeuedTotal: 2,
      timedOutTotal: 0,
      requeuePerSec: 0,
      timeoutPerSec: 0,
      errorsTotal: 2,
      errorsPerSec: 0,
      filteredOutTotal: 7,
      expiredTotal: 4,
      concurrencyLimit: 3,
      concurrencyMax: 8,
      toggle: 'stopped',
    });
    // 10 more finished per scrape, over the sampling window.
    expect(orders?.finishedPerSec).toBeGreaterThan(0);
    expect(idle).toMatchObject({
      subscription: 'idle',
      depth: null,
      toggle: 'started',
      finishedPerSec: null,
    });

    const human = await cli(['status', '--sample', '0'], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(
      /SUBSCRIPTION\s+TOPIC\/CHANNEL\s+DEPTH\s+IN-FLIGHT\s+DEFERRED\s+REQ\/s\s+TIMEOUT\/s\s+DONE\/s\s+ERR\/s\s+FILTERED\s+EXPIRED\s+CONC\s+TOGGLE/,
    );
    expect(human.stdout).toMatch(
      /orders\s+orders\/lambda\s+5\s+3\s+2\s+-\s+-\s+-\s+-\s+7\s+4\s+3\/8\s+stopped/,
    );
    expect(human.stdout).toMatch(/idle\s+idle\/lambda\s+-\s+-\s+-/);
  });

  it('still prints the table, warns in one line and exits 4 when a source is unreachable', async () => {
    const r = await cli(
      ['status', '--sample', '0', '--metrics-url', `http://127.0.0.1:${closedPort}/metrics`],
      { env },
    );
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('orders/lambda');
    expect(r.stderr).toMatch(
      /^warning: the bridge metrics at http:\/\/127\.0\.0\.1:\d+\/metrics are unreachable/,
    );
    expect(hasStackTrace(r.stderr)).toBe(false);

    const noNsqd = await cli(['status', '--sample', '0', '--nsqd-http', `127.0.0.1:${closedPort}`], { env });
    expect(noNsqd.code).toBe(4);
    expect(noNsqd.stderr).toContain(`nsqd http://127.0.0.1:${closedPort}`);
  });

  it('finds every nsqd through nsqlookupd and sums the channel over them', async () => {
    const lookupd = await services.nsqlookupd();
    const second = await services.nsqd({ lookupdTcpAddresses: [lookupd.tcpAddress] });
    await second.http.createTopic('orders');
    await second.http.createChannel('orders', 'lambda');
    await second.http.publishMany('orders', ['a', 'b', 'c']);
    const depth = async () => {
      const r = await cli(
        [
          'status',
          '--json',
          '--sample',
          '0',
          '--lookupd-http',
          lookupd.httpAddress,
          '--nsqd-http',
          nsqd.httpAddress,
        ],
        { env },
      );
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as { rows: { subscription: string; depth: number }[] }).rows.find(
        (row) => row.subscription === 'orders',
      )?.depth;
    };
    // 5 ready on the first nsqd, 3 on the one registered with nsqlookupd.
    await waitFor(async () => (await depth()) === 8, {
      what: 'depth summed over both nsqd',
      timeoutMs: 20_000,
    });

    const down = await cli(['status', '--sample', '0', '--lookupd-http', `127.0.0.1:${closedPort}`], { env });
    expect(down.code).toBe(4);
    expect(down.stderr).toContain(`nsqlookupd http://127.0.0.1:${closedPort} is unreachable`);
  });

  it('refreshes with --watch until interrupted, with rates between refreshes', async () => {
    const controller = new AbortController();
    const { io, peek, result } = captureIo({ env, signal: controller.signal });
    const running = runCli(['status', '--watch', '--interval', '200ms', '--json'], io);
    await waitFor(() => peek().trim().split('\n').length >= 3, { what: '3 refreshes', timeoutMs: 20_000 });
    controller.abort();
    const r = result(await running);
    expect(r.code).toBe(0);
    const frames = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rows: { subscription: string; finishedPerSec: number | null }[] });
    const orders = (i: number) => frames[i]?.rows.find((row) => row.subscription === 'orders');
    expect(orders(0)?.finishedPerSec).toBeNull();
    expect(orders(1)?.finishedPerSec).toBeGreaterThan(0);
  });

  it('lists the subscriptions of a bridge config file, and rejects a malformed one in one line', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'));
    const good = join(dir, 'bridge.json');
    writeFileSync(
      good,
      JSON.stringify({
        nsqdTcpAddresses: [nsqd.tcpAddress],
        deadLetter: { kind: 's3', bucket: 'dead-letters' },
        subscriptions: [{ name: 'orders', functionName: 'orders', topic: 'orders', channel: 'lambda' }],
      }),
    );
    const r = await cli(['status', '--json', '--sample', '0', '--bridge-config', good], { env });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { rows: { subscription: string; depth: number }[] }).rows).toMatchObject([
      { subscription: 'orders', depth: 5 },
    ]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"subscriptions": [');
    const b = await cli(['status', '--bridge-config', bad], { env });
    expect(b.code).toBe(3);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toContain(`--bridge-config ${bad}`);
  });
});
