/**
 * The fault suite's edge target: the recorder bundled as an edge function and served by real workerd,
 * with the same fault settings the Lambda recorder reads from its environment, as bindings.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEdgeFunctions } from '#dev/services/workerd';
import type { LoadedFunction } from '#shared/functions/loader';
import { faultOf } from '#test/fixtures/functions-fault/fault-plan';

/** The bridge's env var for the signing secret of the edge target. */
export const EDGE_SECRET_ENV = 'FAULT_EDGE_SIGNING_SECRET';
export const EDGE_SECRET = 'fault-suite-edge-signing-secret-0123';

export interface EdgeTarget {
  readonly url: string;
  /** workerd's output (console lines of the function; the last 64 KiB). */
  output(): string;
  stop(): Promise<void>;
}

export async function startEdgeTarget(
  fn: LoadedFunction,
  bindings: Readonly<Record<string, string>>,
): Promise<EdgeTarget> {
  const cache = fileURLToPath(new URL('../../.cache', import.meta.url));
  mkdirSync(cache, { recursive: true });
  const outDir = mkdtempSync(join(cache, 'fault-edge-'));
  const workerd = await startEdgeFunctions([fn], {
    outDir,
    bindings: { ...bindings, NSQ_LAMBDA_SIGNING_SECRET: EDGE_SECRET },
  });
  return {
    url: workerd.url(fn.definition.name),
    output: () => workerd.output(),
    async stop() {
      await workerd.stop();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

/**
 * The faults the recorder injected: it numbers invocations in Redis (`<prefix>:invocations`) and draws
 * each one's fate with faultOf, so replaying the draw over the count gives what struck (workerd keeps no
 * per-invocation statistics the way the local Lambda does).
 */
export async function injectedFaults(
  invocations: number,
  seed: string,
  failRate: number,
  timeoutRate: number,
): Promise<{ functionErrors: number; timeouts: number }> {
  let functionErrors = 0;
  let timeouts = 0;
  for (let n = 1; n <= invocations; n++) {
    const fault = await faultOf(seed, String(n), failRate, timeoutRate);
    if (fault === 'fail') functionErrors++;
    if (fault === 'timeout') timeouts++;
  }
  return { functionErrors, timeouts };
}
