/**
 * Runs the same bundles under the local Lambda (dev/local-lambda) and under AWS's own runtime (RIE +
 * aws-lambda-ric, dev/services/rie.ts), and sends both the same event. The local Lambda builds each bundle
 * once into a shared folder; RIE runs that very file, so any difference is the runtime's, not the code's.
 *
 * Layers: `local.status`/`local.functionError` are the Invoke API (held to the reference in
 * ../shared/reading/lambda-bridge-anchors.md, never to RIE, which drops headers and answers with its own
 * status codes); `body` is the runtime's payload, compared with RIE's byte for byte.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { type LocalLambda, startLocalLambda } from '#dev/local-lambda/server';
import { RieFunction } from '#dev/services/rie';
import type { FunctionDefinition } from '#shared/functions/definition';
import { type LoadedFunction, loadFunctions } from '#shared/functions/loader';

export const parityFixturesDir = fileURLToPath(new URL('../fixtures/parity', import.meta.url));

export interface LocalAnswer {
  /** Invoke API layer: HTTP status and X-Amz-Function-Error. */
  readonly status: number;
  readonly functionError: string | undefined;
  /** Runtime layer: the payload bytes as text. */
  readonly body: string;
}

export interface RieAnswer {
  /** RIE's own status (502 when the runtime exits): not the Invoke API's. */
  readonly status: number;
  readonly body: string;
}

/** The environment infra gives a deployed function (infra/lib/nsq-lambda-function.ts), minus AWS wiring. */
export function deployedEnvironment(definition: FunctionDefinition): Record<string, string> {
  return {
    ...definition.environment,
    NSQ_LAMBDA_FUNCTION: definition.name,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/**
 * Starts the local Lambda and one RIE per function for a test file (both stopped in afterAll).
 * `extraEnvironment` is local wiring both runtimes get (endpoints of services a function talks to).
 */
export async function useParity(
  functions: readonly LoadedFunction[],
  extraEnvironment: (definition: FunctionDefinition) => Record<string, string> = () => ({}),
) {
  const outDir = mkdtempSync(join(tmpdir(), 'nsq-lambda-parity-'));
  const lines: string[] = [];
  const rie = new Map<string, RieFunction>();
  let lambda: LocalLambda | undefined;
  afterAll(async () => {
    await Promise.allSettled([lambda?.close(), ...[...rie.values()].map((r) => r.dispose())]);
    rmSync(outDir, { recursive: true, force: true });
  });
  lambda = await startLocalLambda({
    functions,
    outDir,
    log: (line) => lines.push(line),
    functionEnvironment: extraEnvironment,
  });
  const local = lambda;
  await Promise.all(
    functions.map(async ({ definition: d }) => {
      const started = await RieFunction.start({
        bundleFile: join(outDir, d.name, 'index.mjs'),
        handler: `index.${d.handlerExport}`,
        functionName: d.name,
        timeoutSec: d.timeoutSec,
        memoryMb: d.memoryMb,
        environment: { ...deployedEnvironment(d), ...extraEnvironment(d) },
      });
      rie.set(d.name, started);
    }),
  );

  async function invokeLocal(name: string, payload: string): Promise<LocalAnswer> {
    const res = await fetch(`${local.endpoint}/2015-03-31/functions/${name}/invocations`, {
      method: 'POST',
      body: payload,
    });
    return {
      status: res.status,
      functionError: res.headers.get('x-amz-function-error') ?? undefined,
      body: await res.text(),
    };
  }

  async function invokeRie(name: string, payload: string): Promise<RieAnswer> {
    const fn = rie.get(name);
    if (!fn) throw new Error(`no RIE runs ${name}`);
    return fn.invoke(payload);
  }

  /** The same event to both, one after the other (RIE, then the local Lambda). */
  async function both(name: string, event: unknown): Promise<{ rie: RieAnswer; local: LocalAnswer }> {
    const payload = JSON.stringify(event);
    const rieAnswer = await invokeRie(name, payload);
    const localAnswer = await invokeLocal(name, payload);
    return { rie: rieAnswer, local: localAnswer };
  }

  return { both, invokeLocal, invokeRie, lines, rie, lambda: local, outDir };
}

export async function loadParityFixtures(): Promise<LoadedFunction[]> {
  return loadFunctions(parityFixturesDir);
}

const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Frames of the runtime itself (the client's or the local worker's) and of Node, which differ by design. */
function isRuntimeFrame(line: string): boolean {
  return /aws-lambda-ric|dev\/local-lambda\/|_runtime\/worker\.mjs|\(node:|at node:|^\s+at new Promise \(<anonymous>\)$/.test(
    line,
  );
}

/** A trace's first line and the frames of the function's own code. */
export function functionFrames(trace: readonly string[]): string[] {
  return trace.filter((line, i) => i === 0 || !isRuntimeFrame(line));
}

export interface ComparableError {
  readonly keys: readonly string[];
  readonly errorType: unknown;
  readonly errorMessage: unknown;
  /** The trace's first line and the frames of the function's own code. */
  readonly trace: readonly string[] | undefined;
}

/** An error payload with request ids replaced and the runtime's own stack frames left out. */
export function comparableError(body: string): ComparableError {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const trace = Array.isArray(parsed.trace) ? functionFrames(parsed.trace as string[]) : undefined;
  return {
    keys: Object.keys(parsed),
    errorType: parsed.errorType,
    errorMessage:
      typeof parsed.errorMessage === 'string'
        ? parsed.errorMessage.replace(uuid, '<id>')
        : parsed.errorMessage,
    trace,
  };
}
