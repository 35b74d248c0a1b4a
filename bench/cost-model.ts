/**
 * Cost per million messages (docs/COSTS.md), a pure calculation: the bridge (Lambda requests and
 * GB-seconds, Fargate for the bridge at its measured CPU, S3 PUTs for dead letters) beside the same
 * job on SQS with a Lambda event source mapping, and on nsq_to_http into API Gateway and Lambda.
 * "Handler time" is the billed duration of one invocation, whatever the batch holds.
 */
import type { Prices } from './prices.ts';

/** What the benchmark measured for the bridge at one body size. */
export interface BridgeFigures {
  readonly bodyBytes: number;
  /** CPU seconds (user + system) of the bridge per 100,000 messages. */
  readonly cpuSecondsPer100k: number;
  /** Lambda invocations per 1,000 messages. */
  readonly invocationsPer1000: number;
  readonly peakRssBytes: number;
}

export interface Deployment {
  /** Lambda memory size, MB. */
  readonly lambdaMemoryMb: number;
  /** The bridge's Fargate task: vCPU, memory in GB, architecture. */
  readonly taskVcpu: number;
  readonly taskMemoryGb: number;
  readonly taskArch: 'arm64' | 'x86_64';
  /** CPU use a bridge task is sized to run at, at most (0.5: twice the CPU it needs). */
  readonly taskCpuUtilization: number;
  /** Fraction of messages dead-lettered (one S3 PUT each). */
  readonly deadLetterFraction: number;
  /** Messages per SQS SendMessageBatch and per event-source-mapping batch. */
  readonly sqsBatch: number;
}

export interface BridgeCost {
  readonly invocations: number;
  readonly lambdaRequests: number;
  readonly gbSecondsArm64: number;
  readonly gbSecondsX86: number;
  readonly fargate: number;
  /** Fargate task-hours per million messages at the sized utilisation. */
  readonly taskHours: number;
  readonly deadLetterPuts: number;
  readonly totalArm64: number;
  readonly totalX86: number;
}

const MILLION = 1_000_000;

/** Billed GB-seconds of `invocations` of `handlerMs` each at `memoryMb`. */
export function gbSeconds(invocations: number, handlerMs: number, memoryMb: number): number {
  return invocations * (Math.ceil(handlerMs) / 1000) * (memoryMb / 1024);
}

/** Requests a metered call costs when every `chunkBytes` of its payload is one request. */
export function chunks(payloadBytes: number, chunkBytes: number): number {
  return Math.max(1, Math.ceil(payloadBytes / chunkBytes));
}

/** The bridge's cost per million messages of `figures.bodyBytes` with a handler of `handlerMs`. */
export function bridgeCostPerMillion(
  figures: BridgeFigures,
  handlerMs: number,
  deployment: Deployment,
  prices: Prices,
): BridgeCost {
  const invocations = (figures.invocationsPer1000 / 1000) * MILLION;
  const lambdaRequests = (invocations / MILLION) * prices.lambda.requestsPerMillion;
  const gbs = gbSeconds(invocations, handlerMs, deployment.lambdaMemoryMb);
  const gbSecondsArm64 = gbs * prices.lambda.gbSecond.arm64;
  const gbSecondsX86 = gbs * prices.lambda.gbSecond.x86_64;
  const cpuSeconds = figures.cpuSecondsPer100k * (MILLION / 100_000);
  const taskHours = cpuSeconds / deployment.taskCpuUtilization / deployment.taskVcpu / 3600;
  const rate = prices.fargate[deployment.taskArch];
  const fargate = taskHours * (deployment.taskVcpu * rate.vcpuHour + deployment.taskMemoryGb * rate.gbHour);
  const deadLetterPuts = ((deployment.deadLetterFraction * MILLION) / 1000) * prices.s3PutPer1000;
  const common = lambdaRequests + fargate + deadLetterPuts;
  return {
    invocations,
    lambdaRequests,
    gbSecondsArm64,
    gbSecondsX86,
    fargate,
    taskHours,
    deadLetterPuts,
    totalArm64: common + gbSecondsArm64,
    totalX86: common + gbSecondsX86,
  };
}

export interface AlternativeCost {
  /** The queue's or gateway's own requests. */
  readonly transport: number;
  readonly transportRequests: number;
  readonly invocations: number;
  /** Lambda requests + arm64 GB-seconds. */
  readonly lambdaArm64: number;
  readonly total: number;
}

/**
 * SQS standard queue with a Lambda event source mapping, per million messages: SendMessageBatch,
 * ReceiveMessage (by the mapping's pollers) and DeleteMessageBatch, one each per batch of `sqsBatch`,
 * send and receive billed per 64 KiB of the batch's bodies; one arm64 invocation per batch. Empty
 * receives of an idle queue are not counted (steady load).
 */
export function sqsCostPerMillion(
  bodyBytes: number,
  handlerMs: number,
  deployment: Deployment,
  prices: Prices,
): AlternativeCost {
  const batches = MILLION / deployment.sqsBatch;
  const payload = chunks(bodyBytes * deployment.sqsBatch, prices.sqs.chunkBytes);
  const transportRequests = batches * (payload + payload + 1);
  const transport = (transportRequests / MILLION) * prices.sqs.requestsPerMillion;
  const lambdaArm64 = lambdaArm64Cost(batches, handlerMs, deployment, prices);
  return { transport, transportRequests, invocations: batches, lambdaArm64, total: transport + lambdaArm64 };
}

/** nsq_to_http POSTing every message to an API Gateway HTTP API that invokes Lambda: one request and one invocation per message. */
export function nsqToHttpCostPerMillion(
  bodyBytes: number,
  handlerMs: number,
  deployment: Deployment,
  prices: Prices,
): AlternativeCost {
  const transportRequests = MILLION * chunks(bodyBytes, prices.apiGatewayHttp.chunkBytes);
  const transport = (transportRequests / MILLION) * prices.apiGatewayHttp.requestsPerMillion;
  const lambdaArm64 = lambdaArm64Cost(MILLION, handlerMs, deployment, prices);
  return { transport, transportRequests, invocations: MILLION, lambdaArm64, total: transport + lambdaArm64 };
}

function lambdaArm64Cost(
  invocations: number,
  handlerMs: number,
  deployment: Deployment,
  prices: Prices,
): number {
  return (
    (invocations / MILLION) * prices.lambda.requestsPerMillion +
    gbSeconds(invocations, handlerMs, deployment.lambdaMemoryMb) * prices.lambda.gbSecond.arm64
  );
}

/** Linear interpolation of a figure between two measured body sizes (exact at both, straight between). */
export function interpolateFigure(
  small: { readonly bodyBytes: number; readonly value: number },
  large: { readonly bodyBytes: number; readonly value: number },
  bodyBytes: number,
): number {
  if (large.bodyBytes === small.bodyBytes) return small.value;
  const t = (bodyBytes - small.bodyBytes) / (large.bodyBytes - small.bodyBytes);
  return small.value + t * (large.value - small.value);
}
