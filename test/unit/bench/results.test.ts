import { describe, expect, it } from 'vitest';
import { medianRate, summarize } from '../../../bench/results.ts';
import { sampleRun } from './fixtures.ts';

describe('summarize', () => {
  it('takes median, min and max over the rounds of one system and workload', () => {
    const s = summarize(sampleRun().throughput, 'nsq_to_http-n100-mif200', 'small');
    expect(s.msgsPerSec).toEqual({ median: 4_500, min: 4_000, max: 5_000, count: 2 });
    expect(s.runs).toBe(2);
    expect(s.drainedRuns).toBe(2);
    expect(summarize(sampleRun().throughput, 'nsqjs', 'large').msgsPerSec?.median).toBe(9_000);
  });
});

describe('medianRate', () => {
  it.each([
    ['bridge-b100-responder', 'small', 25_000],
    ['nsqjs', 'large', 9_000],
    ['nsqjs', 'tuning', undefined],
    [undefined, 'small', undefined],
  ])('%s on %s: %s msgs/s', (id, workloadId, rate) => {
    expect(medianRate(sampleRun(), id, workloadId)).toBe(rate);
  });
});
