/**
 * `nsq-lambda invoke` on an edge function (target 'edge'): the batch runs on real workerd, as under
 * `npm start`. The function is bundled the way it deploys (shared/functions/edge-bundling.ts), served by
 * a workerd started for this command (dev/services/workerd.ts) with a throw-away signing secret and the
 * Upstash URL and token from this environment, and the event is POSTed signed, exactly as the bridge
 * signs it (shared/edge/signature.ts). With --endpoint, the request goes to that URL instead, signed with
 * NSQ_LAMBDA_SIGNING_SECRET from the environment.
 *
 * A 200 is read as the batch result; any other status is reported as a function error with the status
 * and the body (401: the signature was refused, nothing ran).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import { IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER, signRequest } from '#shared/edge/signature';
import type { LoadedFunction } from '#shared/functions/loader';
import { SIGNING_SECRET_ENV } from '#shared/handler';
import { badInput, errorChain, unavailable } from '../errors.ts';
import { type InvokeReport, reportOf } from './invoke-batch.ts';

/** The variables passed to the edge function as bindings when this command starts workerd. */
const PASSED_BINDINGS = ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN', 'LOG_LEVEL'] as const;

async function post(
  url: string,
  secret: string,
  event: NsqBatchEvent,
  timeoutMs: number,
  now: () => number,
): Promise<InvokeReport> {
  const body = JSON.stringify(event);
  const started = now();
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: await signRequest([secret], body, Math.floor(Date.now() / 1000)),
        [IDEMPOTENCY_KEY_HEADER]: event.batchId,
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw unavailable(`the edge function at ${url} did not answer: ${errorChain(err)}`, err);
  }
  const text = await res.text();
  const durationMs = now() - started;
  return reportOf(text, res.status === 200 ? undefined : `HTTP ${res.status}`, event, durationMs);
}

export async function invokeBatchOnWorkerd(options: {
  fn: LoadedFunction;
  event: NsqBatchEvent;
  env: Readonly<Record<string, string | undefined>>;
  endpoint?: string;
  timeoutMs: number;
  log: (text: string) => void;
  now?: () => number;
}): Promise<InvokeReport> {
  const now = options.now ?? Date.now;
  if (options.endpoint) {
    const secret = options.env[SIGNING_SECRET_ENV];
    if (!secret)
      throw badInput(`--endpoint on an edge function needs ${SIGNING_SECRET_ENV} to sign the request`);
    return post(options.endpoint, secret, options.event, options.timeoutMs, now);
  }
  const { startEdgeFunctions } = await import('#dev/services/workerd');
  const secret = randomBytes(24).toString('base64url');
  const bindings: Record<string, string> = { [SIGNING_SECRET_ENV]: secret };
  for (const k of PASSED_BINDINGS) {
    const v = options.env[k];
    if (v !== undefined) bindings[k] = v;
  }
  const outDir = mkdtempSync(join(tmpdir(), 'nsq-lambda-edge-'));
  let workerd: Awaited<ReturnType<typeof startEdgeFunctions>> | undefined;
  try {
    try {
      workerd = await startEdgeFunctions([options.fn], { outDir, bindings });
    } catch (err) {
      throw unavailable(
        `cannot run ${options.fn.definition.name} on workerd: ${errorChain(err).split('\n')[0]}`,
        err,
      );
    }
    const report = await post(
      workerd.url(options.fn.definition.name),
      secret,
      options.event,
      options.timeoutMs,
      now,
    );
    options.log(workerd.output());
    return report;
  } finally {
    await workerd?.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}
