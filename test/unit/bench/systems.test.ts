import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '#dev/services/binaries';
import {
  BRIDGE_BATCHINGS,
  bridgeNodeArgs,
  bridgeOutputBufferTimeoutMs,
  bridgeSystem,
  forwarderSystem,
  targetOf,
} from '../../../bench/systems.ts';

describe('systems', () => {
  it('names bridge systems by batching and target, and knows what each one talks to', () => {
    const s = bridgeSystem('b100', 'local-lambda');
    expect(s.id).toBe('bridge-b100-local-lambda');
    expect(s.label).toBe('bridge batch 100 → local Lambda');
    expect(targetOf(s)).toBe('local-lambda');
    expect(() => bridgeSystem('b7', 'responder')).toThrow(/unknown bridge batching/);
  });

  it('runs the batch-100 edge row into workerd, on the edge responder', () => {
    const s = bridgeSystem('b100', 'workerd');
    expect(s).toMatchObject({
      id: 'bridge-b100-workerd',
      label: 'bridge batch 100 → workerd (edge responder)',
      functionName: 'edge-responder',
      batching: BRIDGE_BATCHINGS.b100,
    });
    expect(targetOf(s)).toBe('workerd');
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
