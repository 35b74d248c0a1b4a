import { describe, expect, it } from 'vitest';
import {
  bridgeCostPerMillion,
  chunks,
  type Deployment,
  gbSeconds,
  interpolateFigure,
  nsqToHttpCostPerMillion,
  sqsCostPerMillion,
} from '../../../bench/cost-model.ts';
import { PRICES, type Prices } from '../../../bench/prices.ts';

/** Round prices so every expected figure below can be worked out by hand. */
const prices: Prices = {
  ...PRICES,
  lambda: { requestsPerMillion: 0.2, gbSecond: { arm64: 0.00001, x86_64: 0.00002 } },
  fargate: { arm64: { vcpuHour: 0.04, gbHour: 0.004 }, x86_64: { vcpuHour: 0.05, gbHour: 0.005 } },
  s3PutPer1000: 0.005,
  sqs: { requestsPerMillion: 0.4, chunkBytes: 64 * 1024 },
  apiGatewayHttp: { requestsPerMillion: 1, chunkBytes: 512 * 1024 },
};

const deployment: Deployment = {
  lambdaMemoryMb: 256,
  taskVcpu: 0.25,
  taskMemoryGb: 0.5,
  taskArch: 'arm64',
  taskCpuUtilization: 0.5,
  deadLetterFraction: 0.01,
  sqsBatch: 10,
};

describe('gbSeconds and chunks', () => {
  it.each([
    // invocations, handler ms, memory MB → GB-s
    [10_000, 10, 256, 25],
    [10_000, 1_000, 256, 2_500],
    [1_000_000, 100, 1_024, 100_000],
    // billed per whole millisecond
    [1_000, 0.4, 1_024, 1],
  ])('%d invocations of %d ms at %d MB: %d GB-s', (n, ms, mb, expected) => {
    expect(gbSeconds(n, ms, mb)).toBeCloseTo(expected, 9);
  });

  it.each([
    [200 * 10, 64 * 1024, 1],
    [64 * 1024, 64 * 1024, 1],
    [64 * 1024 + 1, 64 * 1024, 2],
    [10 * 1024 * 10, 64 * 1024, 2],
    [0, 64 * 1024, 1],
  ])('%d bytes in %d-byte chunks: %d requests', (bytes, chunk, expected) => {
    expect(chunks(bytes, chunk)).toBe(expected);
  });
});

describe('bridgeCostPerMillion', () => {
  // cpu s/100k, invocations/1000, handler ms → requests, GB-s arm64, GB-s x86, Fargate, S3, total arm64, total x86
  it.each([
    // 10,000 invocations: $0.002 requests; 10 ms × 0.25 GB × 10,000 = 25 GB-s.
    // 3.6 s/100k = 36 CPU-s per million, at 50 % on 0.25 vCPU = 288 task-seconds = 0.08 task-hours;
    // 0.08 × (0.25 × 0.04 + 0.5 × 0.004) = 0.08 × 0.012 = 0.00096. 10,000 dead letters × $0.005/1000 = $0.05.
    [3.6, 10, 10, 0.002, 0.00025, 0.0005, 0.00096, 0.05, 0.05321, 0.05346],
    // 1,000 ms: 2,500 GB-s.
    [3.6, 10, 1_000, 0.002, 0.025, 0.05, 0.00096, 0.05, 0.07796, 0.10296],
    // batch 10: 100,000 invocations, 250 GB-s at 10 ms; 18 s/100k is five times the Fargate.
    [18, 100, 10, 0.02, 0.0025, 0.005, 0.0048, 0.05, 0.0773, 0.0798],
  ])(
    'CPU %d s/100k, %d invocations/1000, %d ms',
    (cpu, per1000, ms, requests, arm, x86, fargate, s3, totalArm, totalX86) => {
      const c = bridgeCostPerMillion(
        { bodyBytes: 1024, cpuSecondsPer100k: cpu, invocationsPer1000: per1000, peakRssBytes: 0 },
        ms,
        deployment,
        prices,
      );
      expect(c.lambdaRequests).toBeCloseTo(requests, 9);
      expect(c.gbSecondsArm64).toBeCloseTo(arm, 9);
      expect(c.gbSecondsX86).toBeCloseTo(x86, 9);
      expect(c.fargate).toBeCloseTo(fargate, 9);
      expect(c.deadLetterPuts).toBeCloseTo(s3, 9);
      expect(c.totalArm64).toBeCloseTo(totalArm, 9);
      expect(c.totalX86).toBeCloseTo(totalX86, 9);
    },
  );

  it('prices Fargate x86 at its own rates', () => {
    const c = bridgeCostPerMillion(
      { bodyBytes: 200, cpuSecondsPer100k: 3.6, invocationsPer1000: 10, peakRssBytes: 0 },
      10,
      { ...deployment, taskArch: 'x86_64' },
      prices,
    );
    // 0.08 task-hours × (0.25 × 0.05 + 0.5 × 0.005)
    expect(c.fargate).toBeCloseTo(0.08 * 0.015, 9);
  });
});

describe('the alternatives', () => {
  it.each([
    // body, handler ms → SQS requests, SQS $, SQS total; API Gateway $, nsq_to_http total
    // 100,000 batches × (send 1 + receive 1 + delete 1); Lambda: $0.02 + 100,000 × 0.01 s × 0.25 GB × 0.00001
    [200, 10, 300_000, 0.12, 0.12 + 0.02 + 0.0025, 1, 1 + 0.2 + 0.025],
    // 10 KiB × 10 = 100 KiB: send and receive are 2 requests each
    [10 * 1024, 10, 500_000, 0.2, 0.2 + 0.02 + 0.0025, 1, 1 + 0.2 + 0.025],
    [1024, 1_000, 300_000, 0.12, 0.12 + 0.02 + 0.25, 1, 1 + 0.2 + 2.5],
  ])('%d B, %d ms', (body, ms, sqsRequests, sqs, sqsTotal, apiGateway, httpTotal) => {
    const q = sqsCostPerMillion(body, ms, deployment, prices);
    expect(q.transportRequests).toBe(sqsRequests);
    expect(q.invocations).toBe(100_000);
    expect(q.transport).toBeCloseTo(sqs, 9);
    expect(q.total).toBeCloseTo(sqsTotal, 9);
    const h = nsqToHttpCostPerMillion(body, ms, deployment, prices);
    expect(h.invocations).toBe(1_000_000);
    expect(h.transport).toBeCloseTo(apiGateway, 9);
    expect(h.total).toBeCloseTo(httpTotal, 9);
  });
});

describe('interpolateFigure', () => {
  it.each([
    [200, 3],
    [10_200, 13],
    [1_200, 4],
    [5_200, 8],
  ])('at %d B: %d', (bytes, expected) => {
    expect(
      interpolateFigure({ bodyBytes: 200, value: 3 }, { bodyBytes: 10_200, value: 13 }, bytes),
    ).toBeCloseTo(expected, 9);
  });
});
