/**
 * The operator's loop against the whole local system: nsqd, the real bridge process, the template
 * function in the local Lambda, dead letters on the NSQ dead-letter topic, the toggle behind the local
 * Upstash endpoint. status → toggle stop (the bridge pauses) → dlq list → dlq replay (held while stopped)
 * → toggle start (consumed again) → invoke.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorChain } from '#cli/errors';
import { type LocalLambda, startLocalLambda } from '#dev/local-lambda/server';
import type { Nsqd } from '#dev/services/nsq';
import { freePort } from '#dev/services/ports';
import { type BridgeProcess, startBridgeProcess } from '#dev/up/bridge-process';
import { bridgeConfigFromDefinitions } from '#shared/config/bridge-config';
import { loadFunction } from '#shared/functions/loader';
import { useServices, waitFor } from '#test/harness/services';
import { useLocalUpstash } from '#test/harness/upstash';
import { cli } from './cli-harness.ts';

const services = useServices();
const upstash = useLocalUpstash();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

let nsqd: Nsqd;
let lambda: LocalLambda;
let bridge: BridgeProcess;
let env: Record<string, string>;
const valid = Array.from({ length: 20 }, (_, i) => JSON.stringify({ greeting: `hello ${i}` }));
const invalid = [JSON.stringify({ nope: 1 }), 'not json at all'];

interface Row {
  subscription: string;
  depth: number | null;
  finishedTotal: number | null;
  paused: boolean | null;
  toggle: string | null;
}

async function templateRow(): Promise<Row> {
  const r = await cli(['status', '--json', '--sample', '0', '--metrics-url', `${bridge.httpUrl}/metrics`], {
    env,
  });
  expect(r.code, r.stderr).toBe(0);
  const row = (JSON.parse(r.stdout) as { rows: Row[] }).rows.find((x) => x.subscription === 'template');
  if (!row) throw new Error(`no template row in ${r.stdout}`);
  return row;
}

beforeAll(async () => {
  const [n, fx] = await Promise.all([services.nsqd(), upstash.start()]);
  nsqd = n;
  const template = await loadFunction('template');
  lambda = await startLocalLambda({ functions: [template], log: () => {} });
  cleanups.push(() => lambda.close());
  await nsqd.http.createTopic('template');
  await nsqd.http.createChannel('template', 'template');
  await nsqd.http.publishMany('template', [...valid, ...invalid]);
  // The ops port comes from freePort(); on a busy machine another process may take it first: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      bridge = await startBridgeProcess({
        config: bridgeConfigFromDefinitions([template], {
          nsqdTcpAddresses: [nsqd.tcpAddress],
          lambda: { region: 'us-east-1', endpoint: lambda.endpoint },
          deadLetter: { kind: 'nsq', topic: 'dead-letters', nsqdHttpAddresses: [nsqd.httpAddress] },
          toggles: { url: fx.url, pollIntervalMs: 200 },
          http: { port: await freePort() },
          drain: { deadlineMs: 10_000 },
        }),
        env: {
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          UPSTASH_REDIS_REST_TOKEN: fx.token,
          LOG_LEVEL: 'warn',
        },
        readyTimeoutMs: 45_000,
      });
      break;
    } catch (err) {
      if (attempt >= 3 || !/already in use/.test(errorChain(err))) throw err;
    }
  }
  cleanups.push(() => bridge.stop(5_000));
  env = {
    NSQD_HTTP_ADDRESS: nsqd.httpAddress,
    NSQD_TCP_ADDRESS: nsqd.tcpAddress,
    DEAD_LETTER_TOPIC: 'dead-letters',
    UPSTASH_REDIS_REST_URL: fx.url,
    UPSTASH_REDIS_REST_TOKEN: fx.token,
    XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'cli-state-')),
    USER: 'oncall',
  };
}, 200_000);

describe('the operator loop on the local system', () => {
  it('sees, stops, inspects, replays and restarts a function', async () => {
    // The bridge answered everything: valid ones finished, invalid ones dead-lettered.
    await waitFor(
      async () => {
        const row = await templateRow();
        return row.depth === 0 && row.finishedTotal === valid.length;
      },
      { what: 'the batch processed', timeoutMs: 60_000, intervalMs: 200 },
    );
    const before = await templateRow();
    expect(before.toggle).toBe('started');
    expect(before.paused).not.toBe(true); // no series until the bridge pauses once

    // Stop: the bridge pauses consumption.
    const stop = await cli(['toggle', 'stop', 'template', '--note', 'replaying dead letters'], { env });
    expect(stop.code, stop.stderr).toBe(0);
    await waitFor(async () => (await templateRow()).paused === true, {
      what: 'the bridge to pause',
      timeoutMs: 30_000,
    });
    expect((await templateRow()).toggle).toBe('stopped');

    // The two invalid messages are on the dead-letter topic.
    const list = await cli(['dlq', 'list', '--json'], { env });
    expect(list.code, list.stderr).toBe(0);
    const items = (JSON.parse(list.stdout) as { items: { functionName: string; reasonKind: string }[] })
      .items;
    expect(items).toHaveLength(2);
    expect(items.every((i) => i.functionName === 'template')).toBe(true);

    // Replay them: they wait in the channel while the function is stopped.
    const replay = await cli(['dlq', 'replay', '--handler', 'template', '--rate', '100', '--json'], { env });
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ published: 2 });
    await waitFor(async () => (await templateRow()).depth === 2, {
      what: 'the replayed messages queued',
      timeoutMs: 20_000,
    });

    // Start: the bridge consumes them; being invalid, they are dead-lettered again.
    const start = await cli(['toggle', 'start', 'template'], { env });
    expect(start.code).toBe(0);
    await waitFor(
      async () => {
        const row = await templateRow();
        return row.paused === false && row.depth === 0;
      },
      { what: 'the bridge to resume and drain the channel', timeoutMs: 30_000 },
    );
    await waitFor(async () => (await nsqd.http.channelStats('dead-letters', 'nsq-lambda-cli'))?.depth === 2, {
      what: 'the two dead letters back on the topic',
      timeoutMs: 30_000,
    });

    // A developer's local invoke of the same function.
    const dir = mkdtempSync(join(tmpdir(), 'invoke-'));
    writeFileSync(join(dir, 'ok.json'), valid[0] as string);
    const invoked = await cli(['invoke', 'template', '--body', 'ok.json', '--endpoint', lambda.endpoint], {
      env,
      cwd: dir,
    });
    expect(invoked.code, invoked.stderr).toBe(0);
    expect(invoked.stdout).toContain('template: 1 finished');
  }, 180_000);
});
