import { describe, expect, it } from 'vitest';
import {
  type Bucket,
  bucketsBySubscription,
  countersFromMetrics,
  histogramQuantile,
  ratePerSec,
  type Sample,
} from '#dev/up/progress-metrics';

const inf = Number.POSITIVE_INFINITY;

describe('histogramQuantile', () => {
  const b = (...pairs: [number, number][]): Bucket[] => pairs.map(([le, count]) => ({ le, count }));
  it.each<[string, number, Bucket[], number | undefined]>([
    ['no buckets', 0.99, [], undefined],
    ['no observations', 0.99, b([0.1, 0], [inf, 0]), undefined],
    ['all in the first bucket: interpolated from 0', 0.5, b([1, 10], [inf, 10]), 0.5],
    ['interpolated within the bucket it falls in', 0.99, b([1, 50], [2, 150], [inf, 150]), 1.985],
    ['exactly at a bound', 0.5, b([1, 50], [2, 100], [inf, 100]), 1],
    ['in +Inf: the largest finite bound', 0.99, b([1, 10], [2, 10], [inf, 100]), 2],
  ])('%s', (_what, q, buckets, expected) => {
    const got = histogramQuantile(q, buckets);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(expected, 9);
  });
});

describe('ratePerSec', () => {
  const s = (...pairs: [number, number][]): Sample[] => pairs.map(([atMs, count]) => ({ atMs, count }));
  it.each<[string, Sample[], number | undefined]>([
    ['no samples', [], undefined],
    ['one sample: nothing to compare', s([0, 5]), undefined],
    ['two samples a second apart', s([0, 5], [1_000, 15]), 10],
    ['only samples inside the window count', s([0, 0], [4_000, 100], [5_000, 110], [6_000, 120]), 10],
    ['idle: zero', s([0, 7], [2_000, 7]), 0],
    ['a counter reset reads as zero, not negative', s([0, 9], [1_000, 2]), 0],
  ])('%s', (_what, samples, expected) => {
    expect(ratePerSec(samples, 2_000)).toBe(expected);
  });
});

const metrics = `
nsq_lambda_messages_received_total{subscription="template"} 21
nsq_lambda_messages_finished_total{subscription="template"} 20
nsq_lambda_messages_requeued_total{subscription="html-backup",reason="retryAfter"} 10
nsq_lambda_messages_requeued_total{subscription="html-backup",reason="functionError"} 3
nsq_lambda_messages_dead_lettered_total{reason="schema",subscription="template"} 1
nsq_lambda_throttles_total{subscription="html-backup",reason="ReservedFunctionConcurrentInvocationLimitExceeded"} 2
nsq_lambda_function_errors_total{subscription="html-backup",error_type="Runtime.ExitError"} 3
nsq_lambda_messages_in_flight{subscription="html-backup"} 4
nsq_lambda_paused{subscription="html-backup"} 1
nsq_lambda_paused{subscription="template"} 0
nsq_lambda_message_latency_seconds_bucket{subscription="template",le="0.1"} 10
nsq_lambda_message_latency_seconds_bucket{subscription="template",le="0.25"} 20
nsq_lambda_message_latency_seconds_bucket{subscription="template",le="+Inf"} 20
nsq_lambda_message_latency_seconds_sum{subscription="template"} 2.5
nsq_lambda_message_latency_seconds_count{subscription="template"} 20
`;

describe('countersFromMetrics', () => {
  it('reads buckets per subscription, sorted by bound', () => {
    expect(bucketsBySubscription(metrics, 'nsq_lambda_message_latency_seconds').get('template')).toEqual([
      { le: 0.1, count: 10 },
      { le: 0.25, count: 20 },
      { le: inf, count: 20 },
    ]);
  });

  it('sums each counter per subscription across other labels, zero when absent', () => {
    const [template, html, cpu] = countersFromMetrics(metrics, ['template', 'html-backup', 'cpu-heavy']);
    expect(template).toMatchObject({
      received: 21,
      finished: 20,
      deadLettered: 1,
      errors: 0,
      toggle: 'started',
    });
    expect(template?.p99Ms).toBeCloseTo(247, 6);
    expect(html).toMatchObject({
      requeued: 13,
      throttled: 2,
      errors: 3,
      inFlight: 4,
      toggle: 'stopped',
      p99Ms: undefined,
    });
    expect(cpu).toEqual({
      subscription: 'cpu-heavy',
      received: 0,
      finished: 0,
      requeued: 0,
      deadLettered: 0,
      throttled: 0,
      errors: 0,
      inFlight: 0,
      toggle: 'started',
      p99Ms: undefined,
    });
  });
});
