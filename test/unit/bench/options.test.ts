import { describe, expect, it } from 'vitest';
import { envName, PRESETS, renderOptions, resolveOptions } from '../../../bench/options.ts';

describe('resolveOptions', () => {
  it('uses the full preset by default and the quick one with --quick or BENCH_QUICK=1', () => {
    expect(resolveOptions({}, {})).toMatchObject({
      preset: 'full',
      runs: 3,
      smallMessages: 200_000,
      largeMessages: 50_000,
    });
    expect(resolveOptions({ quick: true }, {})).toMatchObject({ preset: 'quick', ...PRESETS.quick });
    expect(resolveOptions({}, { BENCH_QUICK: '1' }).preset).toBe('quick');
  });

  it('lets environment variables override the preset and flags override both', () => {
    const env = { BENCH_RUNS: '5', BENCH_SMALL_MESSAGES: '1000', BENCH_SYSTEMS: 'nsqjs, bridge-b100' };
    const fromEnv = resolveOptions({}, env);
    expect(fromEnv).toMatchObject({ runs: 5, smallMessages: 1_000, systems: ['nsqjs', 'bridge-b100'] });
    const fromFlags = resolveOptions({ runs: '2', skip: 'latency,profile', out: 'x.md' }, env);
    expect(fromFlags).toMatchObject({
      runs: 2,
      smallMessages: 1_000,
      skip: ['latency', 'profile'],
      out: 'x.md',
    });
  });

  it('lists every invalid value at once', () => {
    let message = '';
    try {
      resolveOptions({ runs: '0', maxSeconds: 'soon', skip: 'latency,everything' }, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/invalid benchmark settings/);
    expect(message).toMatch(/runs:/);
    expect(message).toMatch(/maxSeconds:/);
    expect(message).toMatch(/skip\.1:/);
  });

  it('names environment variables after the settings', () => {
    expect(envName('smallMessages')).toBe('BENCH_SMALL_MESSAGES');
    expect(envName('runs')).toBe('BENCH_RUNS');
  });
});

describe('renderOptions', () => {
  const saved = resolveOptions({}, {});
  const results = 'docs/benchmarks/results.json';
  it.each([
    [{}, 'docs/BENCHMARKS.md', 'docs/benchmarks/throughput.svg'],
    [{ out: '/tmp/x/BENCHMARKS.md' }, '/tmp/x/BENCHMARKS.md', '/tmp/x/throughput.svg'],
    [{ out: '/tmp/x/B.md', chart: '/tmp/y/c.svg' }, '/tmp/x/B.md', '/tmp/y/c.svg'],
    [{ chart: '/tmp/y/c.svg' }, 'docs/BENCHMARKS.md', '/tmp/y/c.svg'],
  ])('flags %j: report %s, chart %s, results the file rendered', (flags, out, chart) => {
    expect(renderOptions(saved, flags, results)).toEqual({ ...saved, out, chart, results });
  });
});
