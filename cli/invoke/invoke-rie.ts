/**
 * `nsq-lambda invoke --runtime rie`: one batch through AWS's own runtime stack, the Runtime Interface Emulator
 * with the Node.js runtime interface client the deployed runtime carries (dev/services/rie.ts), for a team that
 * wants to see exactly what AWS will do. The bundle is the one infra deploys (shared/functions/bundling.ts).
 *
 * RIE answers the runtime's payload without the Invoke API's headers, so the function error is read from the
 * answer: RIE's 502 (the runtime exited), its plain-text timeout, or a payload that is exactly a runtime error
 * object (`errorType`, `errorMessage`, optional `trace`), which the batch contract never is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import type { LoadedFunction } from '#shared/functions/loader';
import { errorChain, unavailable } from '../errors.ts';
import { type InvokeReport, reportOf } from './invoke-batch.ts';

/** Whether RIE's answer is a function error (see the header). */
export function isRieFunctionError(status: number, body: string): boolean {
  if (status !== 200) return true;
  if (/^Task timed out after/.test(body)) return true;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return false;
    const keys = Object.keys(parsed);
    return (
      keys.includes('errorType') && keys.every((k) => ['errorType', 'errorMessage', 'trace'].includes(k))
    );
  } catch {
    return false;
  }
}

export async function invokeBatchUnderRie(options: {
  fn: LoadedFunction;
  event: NsqBatchEvent;
  environment: Record<string, string>;
  log: (text: string) => void;
  now?: () => number;
}): Promise<InvokeReport> {
  const now = options.now ?? Date.now;
  const [{ bundleFunction }, { RieFunction }] = await Promise.all([
    import('#shared/functions/bundling'),
    import('#dev/services/rie'),
  ]);
  const d = options.fn.definition;
  const outDir = mkdtempSync(join(tmpdir(), 'nsq-lambda-rie-'));
  let rie: Awaited<ReturnType<typeof RieFunction.start>> | undefined;
  try {
    try {
      const bundle = await bundleFunction(options.fn, outDir);
      rie = await RieFunction.start({
        bundleFile: bundle.file,
        handler: `index.${bundle.handlerExport}`,
        functionName: d.name,
        timeoutSec: d.timeoutSec,
        memoryMb: d.memoryMb,
        // What infra sets on the deployed function, then the local wiring.
        environment: {
          ...d.environment,
          NSQ_LAMBDA_FUNCTION: d.name,
          NODE_OPTIONS: '--enable-source-maps',
          ...options.environment,
        },
      });
    } catch (err) {
      throw unavailable(`cannot run ${d.name} under RIE: ${errorChain(err).split('\n')[0]}`, err);
    }
    const started = now();
    const answer = await rie.invoke(JSON.stringify(options.event));
    const durationMs = now() - started;
    options.log(rie.output());
    const failed = isRieFunctionError(answer.status, answer.body);
    const timedOut = /^Task timed out after/.test(answer.body);
    const text = timedOut
      ? JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: answer.body })
      : answer.body;
    return reportOf(text, failed ? 'Unhandled' : undefined, options.event, durationMs);
  } finally {
    await rie?.dispose();
    rmSync(outDir, { recursive: true, force: true });
  }
}
