import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import {
  BRIDGE_BATCHINGS,
  bridgeBenchConfig,
  bridgeNodeArgs,
  bridgeOutputBufferTimeoutMs,
  bridgeSystem,
  forwarderSystem,
  targetOf,
} from '../../../bench/systems.ts';

describe('bridgeBenchConfig', () => {
  it.each(Object.entries(BRIDGE_BATCHINGS))('builds a config the bridge accepts for %s', (_, batching) => {
    const config = parseBridgeConfig(
      bridgeBenchConfig({
        nsqdTcpAddress: '127.0.0.1:4150',
        nsqdHttpAddress: '127.0.0.1:4151',
        lambdaEndpoint: 'http://127.0.0.1:9001',
        topic: 'bench',
        channels: ['bench'],
        functionName: 'noop',
        batching,
        deadLetterTopic: 'bench_dead',
      }),
    );
    expect(config.subscriptions).toHaveLength(1);
    expect(config.subscriptions[0]).toMatchObject({
      ...batching,
      topic: 'bench',
      channel: 'bench',
      functionName: 'noop',
    });
    expect(config.lambda.endpoint).toBe('http://127.0.0.1:9001');
    expect(config.http.host).toBe('127.0.0.1');
  });

  it('listens for /metrics on the port asked for (the soak reads it), a free one otherwise', () => {
    const input = {
      nsqdTcpAddress: '127.0.0.1:4150',
      nsqdHttpAddress: '127.0.0.1:4151',
      lambdaEndpoint: 'http://127.0.0.1:9001',
      topic: 'bench',
      channels: ['bench'],
      functionName: 'sleep-5ms',
      batching: { maxMessages: 100, maxWaitMs: 20, maxConcurrentInvocations: 8, maxInFlight: 1_600 },
      deadLetterTopic: 'bench_dead',
    };
    expect(parseBridgeConfig(bridgeBenchConfig({ ...input, httpPort: 18_080 })).http.port).toBe(18_080);
    expect(parseBridgeConfig(bridgeBenchConfig(input)).http.port).toBe(0);
  });

  it('makes one uniquely named subscription per channel (the 10,000 in flight run)', () => {
    const config = parseBridgeConfig(
      bridgeBenchConfig({
        nsqdTcpAddress: '127.0.0.1:4150',
        nsqdHttpAddress: '127.0.0.1:4151',
        lambdaEndpoint: 'http://127.0.0.1:9001',
        topic: 'bench',
        channels: ['bench1', 'bench2', 'bench3', 'bench4'],
        functionName: 'noop',
        batching: { maxMessages: 100, maxWaitMs: 20, maxConcurrentInvocations: 25, maxInFlight: 2_500 },
        deadLetterTopic: 'bench_dead',
      }),
    );
    expect(config.subscriptions.map((s) => [s.name, s.channel, s.maxInFlight])).toEqual([
      ['bench-1', 'bench1', 2_500],
      ['bench-2', 'bench2', 2_500],
      ['bench-3', 'bench3', 2_500],
      ['bench-4', 'bench4', 2_500],
    ]);
  });
});

describe('systems', () => {
  it('names bridge systems by batching and target, and knows what each one talks to', () => {
    const s = bridgeSystem('b100', 'local-lambda');
    expect(s.id).toBe('bridge-b100-local-lambda');
    expect(s.label).toBe('bridge batch 100 → local Lambda');
    expect(targetOf(s)).toBe('local-lambda');
    expect(() => bridgeSystem('b7', 'responder')).toThrow(/unknown bridge batching/);
  });

  it('runs the floors with the bridge’s batch-100 settings against the HTTP endpoint', () => {
    const b100 = BRIDGE_BATCHINGS.b100;
    for (const as of ['raw', 'lambda'] as const) {
      const s = forwarderSystem(as);
      expect(s).toMatchObject({
        kind: 'forwarder',
        forwardAs: as,
        id: `forwarder-${as}-b100`,
        batch: b100?.maxMessages,
        concurrency: b100?.maxConcurrentInvocations,
        maxInFlight: b100?.maxInFlight,
      });
      expect(targetOf(s)).toBe('http-sink');
    }
  });
});

describe('bridgeOutputBufferTimeoutMs', () => {
  it('reads a literal in the nsq source, or the default of a config setting it uses', () => {
    expect(bridgeOutputBufferTimeoutMs({ nsqSource: 'messageTimeout: x,\n', config: '' })).toBeUndefined();
    expect(bridgeOutputBufferTimeoutMs({ nsqSource: '  outputBufferTimeout: 25,\n', config: '' })).toBe(25);
    expect(
      bridgeOutputBufferTimeoutMs({
        nsqSource: '  outputBufferTimeout: sub.outputBufferTimeoutMs,\n',
        config: '    outputBufferTimeoutMs: z.number().int().min(-1).default(1_000),\n',
      }),
    ).toBe(1000);
    expect(
      bridgeOutputBufferTimeoutMs({ nsqSource: 'outputBufferTimeout: config.x,', config: 'nothing here' }),
    ).toBeUndefined();
  });

  it('finds what the bridge in this tree asks for (a number or nsqd default)', () => {
    const value = bridgeOutputBufferTimeoutMs({
      nsqSource: readFileSync(join(projectRoot, 'bridge/src/nsq/nsq-source.ts'), 'utf8'),
      config: readFileSync(join(projectRoot, 'shared/config/bridge-config.ts'), 'utf8'),
    });
    expect(value === undefined || (Number.isInteger(value) && value >= 1)).toBe(true);
  });
});

describe('bridgeNodeArgs', () => {
  it("runs the bundle with the image's flags unless told otherwise", () => {
    expect(bridgeNodeArgs({}, () => ['--enable-source-maps'])).toEqual(['--enable-source-maps']);
    expect(bridgeNodeArgs({ BENCH_BRIDGE_NODE_ARGS: '' })).toEqual([]);
    expect(
      bridgeNodeArgs({ BENCH_BRIDGE_NODE_ARGS: ' --max-semi-space-size=4  --enable-source-maps ' }),
    ).toEqual(['--max-semi-space-size=4', '--enable-source-maps']);
  });
});
