/**
 * Every bundle in functions/ under RIE + aws-lambda-ric and under the local Lambda: a normal batch (valid and
 * dead-lettered bodies, answered without reaching any service) and the throwing case (an event that is not a
 * batch: the handler kit throws InvalidBatchEventError). Layers as in runtime-parity.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { buildBatchEvent } from '#cli/invoke/batch-event';
import { functionsFor, loadFunctions } from '#shared/functions/loader';
import { comparableError, useParity } from './parity-harness.ts';

// Lambda functions only: edge functions run on workerd (test/integration/handler/edge-workerd.test.ts).
const functions = functionsFor(await loadFunctions(), 'lambda');
// Services the functions would call are pointed at a closed port: these cases never reach them.
const closed = 'http://127.0.0.1:9';
const parity = await useParity(functions, () => ({
  RENDERER_URL: `${closed}/`,
  DATA_BUCKET: 'data',
  S3_ENDPOINT: closed,
  UPSTASH_REDIS_REST_URL: closed,
  UPSTASH_REDIS_REST_TOKEN: 'local',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
}));

/** Bodies each function answers without I/O: one valid where that is free, then two it dead-letters. */
const bodies: Record<string, string[]> = {
  template: ['{"greeting":"hello"}', '{"not":"valid"}', 'plain text'],
};

describe.each(functions.map((f) => f.definition))('$name', (definition) => {
  it('answers a normal batch byte for byte the same (RUNTIME layer)', async () => {
    const texts = bodies[definition.name] ?? ['{"not":"valid"}', 'plain text'];
    const event = buildBatchEvent(
      definition,
      texts.map((t) => Buffer.from(t)),
      { nowMs: 1_767_225_600_000 },
    );
    const { rie, local } = await parity.both(definition.name, event);
    expect(local.body).toBe(rie.body);
    expect(JSON.parse(local.body)).toHaveProperty('batchItemFailures');
    // INVOKE API layer (reference): a success is 200 without X-Amz-Function-Error.
    expect(local.status).toBe(200);
    expect(local.functionError).toBeUndefined();
  });

  it('fails an event that is not a batch with the same error payload (RUNTIME layer)', async () => {
    const { rie, local } = await parity.both(definition.name, { not: 'a batch' });
    const error = comparableError(local.body);
    expect(error).toEqual(comparableError(rie.body));
    expect(error.errorType).toBe('InvalidBatchEventError');
    // INVOKE API layer (reference): 200 + X-Amz-Function-Error: Unhandled.
    expect(local.status).toBe(200);
    expect(local.functionError).toBe('Unhandled');
  });
});
