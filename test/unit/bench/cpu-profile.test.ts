import { describe, expect, it } from 'vitest';
import { type CpuProfile, groupOf, summarizeCpuProfile } from '../../../bench/cpu-profile.ts';

const frame = (id: number, functionName: string, url: string, lineNumber = 0) => ({
  id,
  callFrame: { functionName, url, lineNumber, columnNumber: 0 },
});

describe('groupOf', () => {
  it('names packages, scoped packages, Node internals, project folders and V8 pseudo-frames', () => {
    expect(groupOf('file:///work/main/node_modules/nsqjs/lib/nsqdconnection.js')).toBe('nsqjs');
    expect(groupOf('file:///w/node_modules/@smithy/signature-v4/dist-cjs/index.js')).toBe(
      '@smithy/signature-v4',
    );
    expect(groupOf('file:///w/node_modules/a/node_modules/@aws-sdk/core/x.js')).toBe('@aws-sdk/core');
    expect(groupOf('node:internal/streams/writable')).toBe('node:streams');
    expect(groupOf('node:net')).toBe('node:net');
    expect(groupOf('file:///work/main/bridge/src/lambda/lambda-invoker.ts')).toBe('bridge/src/lambda');
    expect(groupOf('file:///work/main/bridge/src/bridge.ts')).toBe('bridge/src');
    expect(groupOf('file:///work/main/shared/contract/batch-event.ts')).toBe('shared/contract');
    expect(groupOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(groupOf('', 'writeUtf8String')).toBe('(native)');
  });
});

describe('summarizeCpuProfile', () => {
  // root → main → [encode (hot), gc]; idle apart. Sample times: the gap to the next sample.
  const profile: CpuProfile = {
    nodes: [
      { ...frame(1, '(root)', ''), children: [2, 5, 6] },
      { ...frame(2, 'main', 'file:///p/bridge/src/bridge.ts', 9), children: [3, 4] },
      frame(3, 'encode', 'file:///p/node_modules/@smithy/util-base64/dist/index.js', 41),
      frame(4, '(garbage collector)', ''),
      frame(5, '(idle)', ''),
      frame(6, 'encode', 'file:///p/node_modules/@smithy/util-base64/dist/index.js', 41),
    ],
    startTime: 0,
    endTime: 10_000,
    samples: [3, 3, 6, 2, 4, 5, 5],
    timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 4000],
  };

  it('adds up self time per function (same name and place merge) and per group, idle apart', () => {
    const s = summarizeCpuProfile(profile);
    expect(s.idleMs).toBe(5);
    expect(s.totalMs).toBe(10);
    expect(s.topFunctions[0]).toEqual({
      name: 'encode (util-base64/dist/index.js:42)',
      group: '@smithy/util-base64',
      selfMs: 3,
      share: 0.6,
    });
    expect(s.topFunctions.map((f) => f.name)).toEqual([
      'encode (util-base64/dist/index.js:42)',
      'main (bridge/src/bridge.ts:10)',
      '(garbage collector)',
    ]);
    expect(s.topGroups.map((g) => [g.name, g.selfMs])).toEqual([
      ['@smithy/util-base64', 3],
      ['bridge/src', 1],
      ['(garbage collector)', 1],
    ]);
  });

  it('falls back to hit counts when there are no samples', () => {
    const s = summarizeCpuProfile({
      nodes: [
        { ...frame(1, 'a', 'file:///x/bench/a.ts'), hitCount: 3 },
        { ...frame(2, 'b', 'node:fs'), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 8_000,
    });
    expect(s.topFunctions.map((f) => [f.name, f.selfMs])).toEqual([
      ['a (bench/a.ts:1)', 6],
      ['b (node:fs:1)', 2],
    ]);
  });

  it('keeps only the top entries', () => {
    expect(summarizeCpuProfile(profile, 1).topFunctions).toHaveLength(1);
  });
});

describe('summarizeCpuProfile from an offset', () => {
  it('leaves out the samples taken before `fromMs` (start-up)', () => {
    const profile: CpuProfile = {
      nodes: [
        {
          id: 1,
          callFrame: { functionName: 'compile', url: 'file:///x/node_modules/tsx/dist/a.mjs', lineNumber: 0 },
        },
        { id: 2, callFrame: { functionName: 'work', url: 'file:///x/bridge/src/bridge.ts', lineNumber: 0 } },
      ],
      startTime: 1_000_000,
      endTime: 1_010_000,
      samples: [1, 1, 2, 2],
      timeDeltas: [1000, 2000, 3000, 2000],
    };
    // Samples at +1, +3, +6, +8 ms; from 5 ms only the two `work` samples count (3 ms... 2 ms + 2 ms).
    const s = summarizeCpuProfile(profile, 10, 5);
    expect(s.topFunctions.map((f) => f.name)).toEqual(['work (bridge/src/bridge.ts:1)']);
    expect(s.totalMs).toBe(4);
    expect(summarizeCpuProfile(profile).topGroups.map((g) => g.name)).toEqual(['tsx', 'bridge/src']);
  });
});
