import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '#dev/services/ports';
import { parseToggleState, toggleKey, toggleMetaKey } from '#shared/toggle/keys';
import { createUpstashToggleReader } from '#shared/toggle/toggle-reader';
import { type UpstashFixture, useLocalUpstash } from '#test/harness/upstash';
import { cli, hasStackTrace } from './cli-harness.ts';
import { functionsFixture } from './functions-fixture.ts';

const upstash = useLocalUpstash();
let fx: UpstashFixture;
let env: Record<string, string>;

beforeAll(async () => {
  fx = await upstash.start();
  const dir = functionsFixture([
    { name: 'orders', subscriptions: [{ topic: 'orders', channel: 'lambda' }] },
    {
      name: 'pages',
      subscriptions: [
        { topic: 'pages', channel: 'backup', toggle: { policy: 'drop', deadLetterDropped: true } },
      ],
    },
  ]);
  env = {
    UPSTASH_REDIS_REST_URL: fx.url,
    UPSTASH_REDIS_REST_TOKEN: fx.token,
    NSQ_LAMBDA_FUNCTIONS_DIR: dir,
    USER: 'tester',
  };
});

describe('toggle', () => {
  it('stops and starts a function through the Upstash endpoint, on the key the middleware reads, with who, when and why', async () => {
    const redis = fx.client({ automaticDeserialization: false });
    const before = await cli(['toggle', 'status', '--json'], { env });
    expect(before.code, before.stderr).toBe(0);
    expect(JSON.parse(before.stdout).toggles).toMatchObject([
      { name: 'orders', state: 'started', isSet: false },
      { name: 'pages', state: 'started', isSet: false },
    ]);

    const stop = await cli(['toggle', 'stop', 'orders', '--note', 'origin down'], {
      env,
      now: () => 1_790_000_000_000,
    });
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toContain('stopped orders (requeue after 30s, fail-open)');
    expect(parseToggleState(await redis.get(toggleKey('orders')))).toBe('stopped');
    expect(JSON.parse(String(await redis.get(toggleMetaKey('orders'))))).toMatchObject({
      setAtMs: 1_790_000_000_000,
      note: 'origin down',
    });
    expect(await redis.get(toggleKey('pages'))).toBeNull();
    // The reader the handler middleware and the bridge use sees it.
    const reader = createUpstashToggleReader({ redis: fx.client(), cacheTtlMs: 0 });
    expect(await reader.read('orders')).toBe('stopped');
    expect(await reader.read('pages')).toBe('started');

    const status = await cli(['toggle', 'status'], { env });
    expect(status.stdout).toMatch(
      /orders\s+stopped\s+tester@\S+\s+2026-09-21T\S+\s+origin down\s+requeue after 30s, fail-open/,
    );
    expect(status.stdout).toMatch(/pages\s+started \(never set\).*drop to dead letters, fail-open/);

    const start = await cli(['toggle', 'start', 'orders', '--by', 'oncall', '--json'], { env });
    expect(JSON.parse(start.stdout)).toMatchObject({ state: 'started', setBy: 'oncall' });
    expect(parseToggleState(await redis.get(toggleKey('orders')))).toBe('started');
  });

  it('applies to every function with --all and warns about the drop policy', async () => {
    const stop = await cli(['toggle', 'stop', '--all'], { env });
    expect(stop.code).toBe(0);
    expect(stop.stderr).toContain('pages has the drop policy');
    const status = JSON.parse((await cli(['toggle', 'status', '--json'], { env })).stdout) as {
      toggles: { name: string; state: string }[];
    };
    expect(status.toggles.map((t) => t.state)).toEqual(['stopped', 'stopped']);
    await cli(['toggle', 'start', '--all'], { env });
    const after = JSON.parse((await cli(['toggle', 'status', '--json'], { env })).stdout) as {
      toggles: { state: string }[];
    };
    expect(after.toggles.map((t) => t.state)).toEqual(['started', 'started']);
  });

  it('fails in one line for an unknown handler, a missing name, a missing config and an unreachable or refusing store', async () => {
    const unknown = await cli(['toggle', 'stop', 'nope'], { env });
    expect(unknown.code).toBe(3);
    expect(unknown.stderr.trim()).toBe('nsq-lambda: unknown handler "nope"; known: orders, pages');

    const none = await cli(['toggle', 'stop'], { env });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('name a handler, or pass --all');

    const unconfigured = await cli(['toggle', 'status'], {
      env: { NSQ_LAMBDA_FUNCTIONS_DIR: env.NSQ_LAMBDA_FUNCTIONS_DIR as string },
    });
    expect(unconfigured.code).toBe(3);
    expect(unconfigured.stderr).toContain('UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN');

    const down = await cli(['toggle', 'stop', 'orders'], {
      env: { ...env, UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${await freePort()}` },
    });
    expect(down.code).toBe(4);
    expect(down.stderr).toContain('unreachable');
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStackTrace(down.stderr)).toBe(false);

    const refused = await cli(['toggle', 'status'], { env: { ...env, UPSTASH_REDIS_REST_TOKEN: 'wrong' } });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('refused the token');
  });
});

describe('toggle with redis-server down behind the Upstash endpoint', () => {
  it('says the toggle store failed, in one line, exit 4', async () => {
    await fx.redisServer.dispose();
    const r = await cli(['toggle', 'status'], { env });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^nsq-lambda: the toggle store .* (failed|unreachable)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
