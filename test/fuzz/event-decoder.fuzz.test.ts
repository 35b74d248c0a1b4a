/**
 * The function-side event decoder under arbitrary input: the batch event validation (NsqBatch.of),
 * body decoding (decodeBody / bodyText / bodyJson and the kit's readBody), and the kit as a whole
 * (nsqHandler): none may crash, none may accept what the contract rejects, and whatever a handler
 * returns, the kit's answer is one the bridge accepts.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bodyJson,
  bodyText,
  decodeBody,
  encodeBody,
  type NsqBatchEvent,
  nsqBatchEventSchema,
} from '#shared/contract/batch-event';
import { parseBatchResult } from '#shared/contract/batch-result';
import { InvalidBatchEventError } from '#shared/errors';
import { deadLetter, finish, lambdaContext, NsqBatch, nsqHandler, requeue } from '#shared/handler';
import { readBody } from '#shared/handler/body';

const hexId = fc.stringMatching(/^[0-9a-f]{16}$/);
const nsqName = fc.stringMatching(/^[.a-zA-Z0-9_-]{1,54}(#ephemeral)?$/);
const message = fc.record({
  id: hexId,
  body: fc.uint8Array({ maxLength: 64 }).map((b) => encodeBody(b)),
  attempts: fc.integer({ min: 1, max: 65_535 }),
  timestampMs: fc.integer({ min: 0, max: 2 ** 45 }),
  topic: nsqName,
  channel: nsqName,
  nsqdAddress: fc.constant('127.0.0.1:4150'),
});
const validEvent = fc.record({
  version: fc.constant(1 as const),
  source: fc.constant('nsq-lambda' as const),
  batchId: fc.uuid(),
  subscription: fc.constantFrom('orders', 'fn-a'),
  messages: fc.uniqueArray(message, { selector: (m) => m.id, maxLength: 8 }),
});

/** A valid event with one field replaced by something arbitrary, or extra keys. */
const mutatedEvent = fc
  .tuple(
    validEvent,
    fc.constantFrom('version', 'source', 'batchId', 'subscription', 'messages', 'extra'),
    fc.anything(),
  )
  .map(([event, key, value]) => ({ ...event, [key]: value }) as unknown);
const mutatedMessage = fc
  .tuple(
    validEvent,
    fc.constantFrom('id', 'body', 'attempts', 'timestampMs', 'topic', 'channel', 'nsqdAddress', 'extra'),
    fc.oneof(fc.anything(), fc.string(), fc.integer(), fc.double()),
  )
  .map(([event, key, value]) => ({
    ...event,
    messages: [{ ...(event.messages[0] ?? {}), [key]: value }, ...event.messages.slice(1)],
  }));

function hasUniqueIds(event: unknown): boolean {
  const ids = (event as NsqBatchEvent).messages.map((m) => m.id);
  return new Set(ids).size === ids.length;
}

describe('NsqBatch.of (the event decoder) under arbitrary input', () => {
  it('throws only InvalidBatchEventError, and accepts exactly the contract-valid events with unique ids', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.json(), mutatedEvent, mutatedMessage, validEvent), (input) => {
        const value = typeof input === 'string' && input.startsWith('{') ? safeJson(input) : input;
        let accepted = false;
        try {
          NsqBatch.of(value);
          accepted = true;
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidBatchEventError);
          expect((error as InvalidBatchEventError).problems.length).toBeGreaterThan(0);
        } finally {
          NsqBatch.release(value);
        }
        const valid = nsqBatchEventSchema.safeParse(value).success && hasUniqueIds(value);
        expect(accepted).toBe(valid);
      }),
      { numRuns: 3_000 },
    );
  });

  it('rejects a batch naming the same id twice', () => {
    fc.assert(
      fc.property(validEvent, hexId, (event, id) => {
        const m = { ...(event.messages[0] ?? fc.sample(message, 1)[0]), id } as NsqBatchEvent['messages'][0];
        expect(() => NsqBatch.of({ ...event, messages: [m, { ...m }] })).toThrow(/appears twice/);
      }),
      { numRuns: 200 },
    );
  });
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
function isUtf8(bytes: Uint8Array): boolean {
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe('body decoding under arbitrary bytes', () => {
  const bodies = fc.oneof(
    fc.uint8Array({ maxLength: 256 }),
    fc.string({ unit: 'binary', maxLength: 64 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
    fc.json().map((j) => new Uint8Array(Buffer.from(j, 'utf8'))),
  );

  it('round-trips bytes through base64 and reads text/JSON only when the bytes really are that', () => {
    fc.assert(
      fc.property(bodies, (bytes) => {
        const m = { body: encodeBody(bytes) };
        expect(decodeBody(m).equals(Buffer.from(bytes))).toBe(true);
        const asBytes = readBody(m, 'bytes');
        expect(asBytes.ok && Buffer.from(asBytes.body).equals(Buffer.from(bytes))).toBe(true);

        const text = readBody(m, 'text');
        expect(text.ok).toBe(isUtf8(bytes));
        if (text.ok) {
          expect(Buffer.from(text.body, 'utf8').equals(Buffer.from(bytes))).toBe(true);
          expect(bodyText(m)).toBe(text.body);
        } else {
          expect(text.reason).toMatch(/^body is not valid UTF-8/);
          expect(() => bodyText(m)).toThrow(TypeError);
        }

        const json = readBody(m, 'json');
        let parsed: { ok: true; value: unknown } | { ok: false } = { ok: false };
        if (text.ok) {
          try {
            parsed = { ok: true, value: JSON.parse(text.body) };
          } catch {}
        }
        expect(json.ok).toBe(parsed.ok);
        if (json.ok && parsed.ok) {
          expect(json.body).toEqual(parsed.value);
          expect(bodyJson(m)).toEqual(parsed.value);
        }
      }),
      { numRuns: 3_000 },
    );
  });
});

/** What a handler might return: real outcomes, outcome-shaped garbage, other values, or a throw. */
const handlerReturn = fc.oneof(
  fc.constant(() => finish()),
  fc.constant(() => undefined),
  fc.double().map((d) => () => requeue(Math.abs(d) > 1e12 ? 5 : Math.abs(d))),
  fc.string({ maxLength: 5_000 }).map((r) => () => deadLetter(r)),
  fc.string({ maxLength: 5_000 }).map((r) => () => requeue(undefined, r)),
  fc.anything().map((v) => () => v),
  fc
    .record({
      kind: fc.constantFrom('finish', 'requeue', 'deadLetter'),
      delayMs: fc.oneof(fc.double(), fc.integer(), fc.constant(undefined)),
      reason: fc.oneof(fc.string({ maxLength: 5_000 }), fc.constant(''), fc.constant(undefined)),
    })
    .map((o) => () => o),
  fc.string().map((s) => () => {
    throw new Error(s);
  }),
);

const silent = new Logger({ logLevel: 'SILENT' });

describe('nsqHandler under arbitrary handler results', () => {
  it('always answers with a response the bridge accepts, one outcome per message', async () => {
    await fc.assert(
      fc.asyncProperty(
        validEvent.filter((e) => e.messages.length > 0),
        fc.array(handlerReturn, { minLength: 8, maxLength: 8 }),
        async (event, returns) => {
          const byId = new Map(event.messages.map((m, i) => [m.id, returns[i % returns.length]]));
          const handler = nsqHandler({
            body: 'bytes',
            logger: silent,
            handle: (m) => (byId.get(m.id) as () => never)(),
          });
          const result = await handler(structuredClone(event), lambdaContext(30_000));
          const parsed = parseBatchResult(
            JSON.stringify(result),
            event.messages.map((m) => m.id),
          );
          expect(parsed.ok ? 'ok' : parsed.problem).toBe('ok');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('hand-built outcomes the contract rejects', () => {
  it('requeue only the message whose handler returned one, instead of failing the whole batch', async () => {
    const bad = [
      { kind: 'deadLetter' },
      { kind: 'deadLetter', reason: '' },
      { kind: 'requeue', delayMs: -1 },
      { kind: 'requeue', delayMs: 1.5 },
      { kind: 'requeue', reason: 'x'.repeat(5_000) },
    ];
    for (const outcome of bad) {
      const event = fc.sample(
        validEvent.filter((e) => e.messages.length === 2),
        1,
      )[0] as NsqBatchEvent;
      const [first, second] = event.messages as [NsqBatchEvent['messages'][0], NsqBatchEvent['messages'][0]];
      const handler = nsqHandler({
        body: 'bytes',
        logger: silent,
        handle: (m) => (m.id === first.id ? (outcome as never) : finish()),
      });
      const result = await handler(structuredClone(event), lambdaContext(30_000));
      const parsed = parseBatchResult(JSON.stringify(result), [first.id, second.id]);
      expect(parsed.ok, JSON.stringify(outcome)).toBe(true);
      if (!parsed.ok) continue;
      expect(parsed.outcomes.get(first.id)?.kind).toBe('requeue');
      expect(parsed.outcomes.get(second.id)?.kind).toBe('finish');
    }
  });
});

describe('bodies that are not base64', () => {
  it('are rejected with the event, never decoded into whatever the lenient decoder makes of them', () => {
    const event = fc.sample(
      validEvent.filter((e) => e.messages.length > 0),
      1,
    )[0] as NsqBatchEvent;
    for (const body of ['{"orderId":"o1"}', 'not base64!', 'QUJD\n', 'QUJ', 'QU=J', '====']) {
      const bad = { ...event, messages: [{ ...event.messages[0], body }] };
      expect(() => NsqBatch.of(bad), JSON.stringify(body)).toThrow(/body: must be base64/);
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const ok = { ...event, messages: [{ ...event.messages[0], body: encodeBody(bytes) }] };
        expect(nsqBatchEventSchema.safeParse(ok).success).toBe(true);
      }),
    );
  });
});
