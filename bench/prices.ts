/**
 * The published AWS list prices docs/COSTS.md uses (`npm run bench:costs`), in one place, with their
 * region and date. On-demand, first pricing tier, no free tier. Update `checkedOn` with the figures.
 * The same figures are used by the small-deployment table in docs/deploy.md.
 */

export interface Prices {
  readonly region: string;
  /** The day these figures were last compared with their sources. */
  readonly checkedOn: string;
  /** Where each figure comes from. */
  readonly sources: readonly string[];
  readonly lambda: {
    /** USD per million requests (both architectures). */
    readonly requestsPerMillion: number;
    /** USD per GB-second of duration, first tier (arm64: first 7.5 billion GB-s a month, x86: first 6 billion). */
    readonly gbSecond: { readonly arm64: number; readonly x86_64: number };
  };
  /** Fargate Linux on-demand, USD per vCPU-hour and per GB-hour. */
  readonly fargate: {
    readonly arm64: { readonly vcpuHour: number; readonly gbHour: number };
    readonly x86_64: { readonly vcpuHour: number; readonly gbHour: number };
  };
  /** S3 Standard, USD per 1,000 PUT (COPY, POST, LIST) requests. */
  readonly s3PutPer1000: number;
  /** SQS standard queue, USD per million requests (first 100 billion a month); every 64 KiB of payload is one request. */
  readonly sqs: { readonly requestsPerMillion: number; readonly chunkBytes: number };
  /** API Gateway HTTP API, USD per million requests (first 300 million a month), metered in 512 KiB increments. */
  readonly apiGatewayHttp: { readonly requestsPerMillion: number; readonly chunkBytes: number };
}

export const PRICES: Prices = {
  region: 'us-east-1',
  checkedOn: '2026-12-04',
  sources: [
    'https://aws.amazon.com/lambda/pricing/ (requests $0.20 per million; duration per GB-second: x86 $0.0000166667, arm64 $0.0000133334, as also tabulated by artillery 2.0.28 lib/platform/aws-lambda/prices.js)',
    'https://aws.amazon.com/fargate/pricing/ (Linux/x86 $0.04048 per vCPU-hour and $0.004445 per GB-hour; Linux/ARM $0.03238 and $0.00356; as transcribed for us-east-1 in March 2026 by cloudburn.io and vantage.sh)',
    'https://aws.amazon.com/s3/pricing/ (S3 Standard PUT, COPY, POST, LIST $0.005 per 1,000)',
    'https://aws.amazon.com/sqs/pricing/ (standard queue $0.40 per million requests, each 64 KB chunk of a payload billed as one request; as transcribed in March and June 2026)',
    'https://aws.amazon.com/api-gateway/pricing/ (HTTP APIs $1.00 per million for the first 300 million, metered in 512 KB increments)',
  ],
  lambda: { requestsPerMillion: 0.2, gbSecond: { arm64: 0.0000133334, x86_64: 0.0000166667 } },
  fargate: {
    arm64: { vcpuHour: 0.03238, gbHour: 0.00356 },
    x86_64: { vcpuHour: 0.04048, gbHour: 0.004445 },
  },
  s3PutPer1000: 0.005,
  sqs: { requestsPerMillion: 0.4, chunkBytes: 64 * 1024 },
  apiGatewayHttp: { requestsPerMillion: 1.0, chunkBytes: 512 * 1024 },
};
