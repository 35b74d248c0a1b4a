/**
 * The bridge's classification (bridge/src/lambda/invoke-outcome.ts) of every parity case, fed with the payloads
 * AWS's own runtime client produces under RIE. RIE drops the INVOKE API layer, so each answer is given the
 * status and `X-Amz-Function-Error` Lambda's Invoke API sends for it (../shared/reading/lambda-bridge-anchors.md:
 * 200 always; `Unhandled` when the runtime reported an error, exited, timed out or answered over 6 MB).
 */
import { describe, expect, it } from 'vitest';
import { classifyOutput } from '#bridge/lambda/invoke-outcome';
import { maxResponseBytes } from '#dev/local-lambda/invoke-api';
import { waitFor } from '#dev/services/wait';
import { type ParityCase, parityCases } from './parity-cases.ts';
import { loadParityFixtures, useParity } from './parity-harness.ts';

const parity = await useParity(await loadParityFixtures());

/** The InvokeCommand output Lambda gives for a runtime answer (the INVOKE API layer, from the reference). */
function asInvokeOutput(body: string, fails: boolean) {
  return {
    StatusCode: 200,
    ...(fails ? { FunctionError: 'Unhandled' } : {}),
    Payload: new Uint8Array(Buffer.from(body)),
    $metadata: {},
  };
}

const extraCases: readonly ParityCase[] = [
  { fn: 'cases', event: { case: 'exit' }, fails: true },
  { fn: 'cases', event: { case: 'big', bytes: maxResponseBytes - 1 }, fails: true },
];

describe('classification of the real runtime payloads', () => {
  it.each([...parityCases, ...extraCases])('$fn $event.case', async ({ fn, event, fails }) => {
    const rie = await parity.invokeRie(fn, JSON.stringify(event));
    const result = classifyOutput(asInvokeOutput(rie.body, fails), 1);
    if (fails) {
      const payload = JSON.parse(rie.body) as { errorType: string; errorMessage: string };
      expect(result).toMatchObject({
        kind: 'functionError',
        errorType: payload.errorType,
        errorMessage: payload.errorMessage,
      });
    } else {
      expect(result.kind).toBe('ok');
      if (result.kind === 'ok') expect(Buffer.from(result.payload).toString()).toBe(rie.body);
    }
  });

  it('a timeout (RIE answers plain text; Lambda {"errorType":"Sandbox.Timedout"}) is Sandbox.Timedout either way', async () => {
    const rie = await parity.invokeRie('cases', JSON.stringify({ case: 'timeout' }));
    expect(rie.body).toMatch(/^Task timed out after 2\.00 seconds$/);
    expect(classifyOutput(asInvokeOutput(rie.body, true), 1)).toMatchObject({
      kind: 'functionError',
      errorType: 'Sandbox.Timedout',
    });
    const lambdaShape = JSON.stringify({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: 0 Error: ${rie.body}`,
    });
    expect(classifyOutput(asInvokeOutput(lambdaShape, true), 1)).toMatchObject({
      kind: 'functionError',
      errorType: 'Sandbox.Timedout',
    });
    const output = () => parity.rie.get('cases')?.output() ?? '';
    const timedOut = [...output().matchAll(/START RequestId: (\S+)/g)].at(-1)?.[1];
    await waitFor(() => output().includes(`REPORT RequestId: ${timedOut}`), { what: 'RIE to reset' });
  });
});
