/**
 * Builds the batch event `invoke` sends: the same shape the bridge sends (shared/contract/batch-event.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { encodeBody, type NsqBatchEvent, nsqBatchEventSchema } from '#shared/contract/batch-event';
import type { FunctionDefinition } from '#shared/functions/definition';
import { formatZodIssue } from '#shared/zod-issues';
import { badInput, errorChain } from '../errors.ts';

export function buildBatchEvent(
  definition: FunctionDefinition,
  bodies: readonly Uint8Array[],
  options: { topic?: string; channel?: string; nowMs: number },
): NsqBatchEvent {
  const sub = definition.subscriptions[0];
  const topic = options.topic ?? sub?.topic ?? definition.name;
  const channel = options.channel ?? sub?.channel ?? 'cli';
  const event = {
    version: 1 as const,
    source: 'nsq-lambda' as const,
    batchId: randomUUID(),
    subscription: definition.name,
    messages: bodies.map((body) => ({
      id: randomBytes(8).toString('hex'),
      body: encodeBody(body),
      attempts: 1,
      timestampMs: options.nowMs,
      topic,
      channel,
      nsqdAddress: 'nsq-lambda-cli',
    })),
  };
  const parsed = nsqBatchEventSchema.safeParse(event);
  if (!parsed.success)
    throw badInput(`cannot build the batch: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Reads a whole batch event from a JSON file, validated against the contract. */
export async function readBatchEvent(path: string, shown = path): Promise<NsqBatchEvent> {
  let json: unknown;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw badInput(
      `cannot read --event ${shown} (${(err as NodeJS.ErrnoException).code ?? errorChain(err)})`,
      err,
    );
  }
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw badInput(`--event ${shown} is not JSON: ${errorChain(err)}`, err);
  }
  const parsed = nsqBatchEventSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw badInput(`--event ${shown} is not a batch event: ${i ? formatZodIssue(i) : 'invalid'}`);
  }
  if (parsed.data.messages.length === 0) throw badInput(`--event ${shown} has no messages`);
  return parsed.data;
}
