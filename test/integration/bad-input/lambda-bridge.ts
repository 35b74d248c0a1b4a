/**
 * Bad-input set-up: a real nsqd, the local Lambda running a fixture function from
 * test/fixtures/functions-fault, and an in-process bridge with the real Lambda invoker
 * (@aws-sdk/client-lambda) and an in-memory dead-letter store.
 */
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { type LocalLambda, startLocalLambda } from '#dev/local-lambda/server';
import type { Nsqd } from '#dev/services/nsq';
import type { BridgeConfigInput } from '#shared/config/bridge-config';
import { loadFunctions } from '#shared/functions/loader';
import { type InProcessBridge, startBridgeAt } from '#test/integration/bridge/bridge-harness';

const fixturesDir = fileURLToPath(new URL('../../fixtures/functions-fault', import.meta.url));

export interface LambdaBridge extends InProcessBridge {
  readonly lambda: LocalLambda;
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
      const started = await startBridgeAt(nsqd, lambda.endpoint, {
        topic: `bad${++counter}-${process.pid}`,
        name: functionName,
        functionName,
        maxWaitMs: 50,
        ...sub,
      });
      stops.push(started.stop);
      return { ...started, lambda };
    },
  };
}
