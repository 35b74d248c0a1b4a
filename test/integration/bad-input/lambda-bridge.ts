/**
 * Bad-input set-up: a real nsqd, the local Lambda running a fixture function from
 * test/fixtures/functions-fault, and an in-process bridge with the real Lambda invoker
 * (@aws-sdk/client-lambda) and an in-memory dead-letter store.
 */
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { type Bridge, createBridge } from '#bridge/bridge';
import { BridgeEventEmitter } from '#bridge/events';
import { createLambdaInvoker } from '#bridge/lambda/lambda-invoker';
import { type LocalLambda, startLocalLambda } from '#dev/local-lambda/server';
import type { Nsqd } from '#dev/services/nsq';
import { loadFunctions } from '#functions/registry';
import { type BridgeConfigInput, parseBridgeConfig } from '#shared/config/bridge-config';
import { waitFor } from '#test/harness/services';
import { MemoryDeadLetters } from '#test/integration/bridge/bridge-harness';

const fixturesDir = fileURLToPath(new URL('../../fixtures/functions-fault', import.meta.url));

export interface LambdaBridge {
  readonly bridge: Bridge;
  readonly events: BridgeEventEmitter;
  readonly deadLetters: MemoryDeadLetters;
  readonly lambda: LocalLambda;
  readonly topic: string;
  readonly channel: string;
  stop(): Promise<void>;
}

let counter = 0;

export function useLambdaBridge() {
  const lambdas = new Map<string, Promise<LocalLambda>>();
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
    for (const l of lambdas.values()) await (await l).close();
  });
  const lambdaFor = (functionName: string) => {
    let lambda = lambdas.get(functionName);
    if (!lambda) {
      lambda = loadFunctions(fixturesDir).then((all) =>
        startLocalLambda({
          functions: all.filter((f) => f.definition.name === functionName),
          log: () => {},
          functionEnvironment: () => ({ POWERTOOLS_LOG_LEVEL: 'CRITICAL' }),
        }),
      );
      lambdas.set(functionName, lambda);
    }
    return lambda;
  };

  return {
    async start(
      nsqd: Nsqd,
      functionName: string,
      sub: Partial<BridgeConfigInput['subscriptions'][number]> = {},
    ): Promise<LambdaBridge> {
      const lambda = await lambdaFor(functionName);
      const topic = `bad${++counter}-${process.pid}`;
      const channel = 'bridge';
      await nsqd.http.createTopic(topic);
      await nsqd.http.createChannel(topic, channel);
      const config = parseBridgeConfig({
        nsqdTcpAddresses: [nsqd.tcpAddress],
        deadLetter: { kind: 's3', bucket: 'unused' },
        drain: { deadlineMs: 10_000 },
        subscriptions: [
          {
            name: functionName,
            functionName,
            topic,
            channel,
            maxWaitMs: 50,
            requeue: { baseDelayMs: 50, maxDelayMs: 200, jitter: 'none' },
            ...sub,
          },
        ],
      });
      const invoker = createLambdaInvoker({
        region: 'us-east-1',
        endpoint: lambda.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxSockets: 16,
        connectionTimeoutMs: 2_000,
      });
      const deadLetters = new MemoryDeadLetters();
      const events = new BridgeEventEmitter();
      const bridge = createBridge({ config, invoker, deadLetters, events });
      bridge.start();
      await waitFor(() => bridge.status.ready, { what: 'bridge connected', timeoutMs: 15_000 });
      let stopped = false;
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        await bridge.drain(5_000);
      };
      stops.push(stop);
      return { bridge, events, deadLetters, lambda, topic, channel, stop };
    },
  };
}
