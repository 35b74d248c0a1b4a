/**
 * Set-up for the filter, record-age and rate-limit tests: a real nsqd, the local Lambda running
 * test/fixtures/functions-features/seen-bodies (its `SEEN [...]` log lines say which bodies each
 * invocation got), and an in-process bridge with the real Lambda invoker.
 */
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { type LocalLambda, startLocalLambda } from '#dev/local-lambda/server';
import type { Nsqd } from '#dev/services/nsq';
import type { BridgeConfigInput } from '#shared/config/bridge-config';
import { loadFunctions } from '#shared/functions/loader';
import { type InProcessBridge, type SubscriptionInput, startBridgeAt } from './bridge-harness.ts';

const fixturesDir = fileURLToPath(new URL('../../fixtures/functions-features', import.meta.url));

export interface FeatureBridge extends InProcessBridge {
  /** Every body the function was invoked with, in order. */
  readonly seen: string[];
}

export function useFeatureLambda() {
  let lambda: Promise<LocalLambda> | undefined;
  const seen: string[] = [];
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
    if (lambda) await (await lambda).close();
  });
  const lambdaOnce = () => {
    lambda ??= loadFunctions(fixturesDir).then((functions) =>
      startLocalLambda({
        functions,
        log: (line) => {
          const at = line.indexOf('SEEN [');
          if (at >= 0) seen.push(...(JSON.parse(line.slice(at + 5)) as string[]));
        },
        functionEnvironment: () => ({ POWERTOOLS_LOG_LEVEL: 'CRITICAL' }),
      }),
    );
    return lambda;
  };
  return {
    async start(
      nsqd: Nsqd,
      sub: SubscriptionInput = {},
      globals: Partial<BridgeConfigInput> = {},
    ): Promise<FeatureBridge> {
      const l = await lambdaOnce();
      seen.length = 0;
      const started = await startBridgeAt(
        nsqd,
        l.endpoint,
        { name: 'seen-bodies', functionName: 'seen-bodies', maxWaitMs: 20, ...sub },
        globals,
      );
      stops.push(started.stop);
      return { ...started, seen };
    },
  };
}
