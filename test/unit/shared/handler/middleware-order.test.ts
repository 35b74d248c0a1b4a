/**
 * The kit's middlewares in a wrong order are an error at init (when attached), never a silent
 * difference: observability must wrap toggle, rateLimit and dedupe; each is attached once; among
 * toggle, rateLimit and dedupe any order gives the same outcomes.
 */
import { describe, expect, it } from 'vitest';
import {
  batchEvent,
  finish,
  lambdaContext,
  MiddlewareOrderError,
  NsqBatch,
  type NsqMiddleware,
  nsqHandler,
  requeue,
} from '#shared/handler';
import { middlewareOrderProblem } from '#shared/handler/middleware-order';
import { observability } from '#shared/middleware/observability';
import { toggle } from '#shared/middleware/toggle';

const O = 'nsq-observability';
const T = 'nsq-toggle';
const R = 'nsq-rate-limit';
const D = 'nsq-dedupe';

describe('middlewareOrderProblem', () => {
  it.each<{ attached: (string | undefined)[]; next: string | undefined; problem: RegExp | undefined }>([
    { attached: [], next: O, problem: undefined },
    { attached: [O], next: T, problem: undefined },
    { attached: [O, T, R], next: D, problem: undefined },
    { attached: [O, D, R], next: T, problem: undefined },
    { attached: ['my-auth', undefined], next: O, problem: undefined },
    { attached: [O, T], next: 'my-metrics', problem: undefined },
    { attached: [T], next: O, problem: /^nsq-observability must be attached before nsq-toggle / },
    { attached: [T, 'x', D], next: O, problem: /before nsq-toggle, nsq-dedupe / },
    { attached: [O, D], next: D, problem: /^nsq-dedupe is attached twice/ },
    { attached: [O], next: O, problem: /^nsq-observability is attached twice/ },
    { attached: ['mine'], next: 'mine', problem: undefined },
  ])('$attached then $next → $problem', ({ attached, next, problem }) => {
    const found = middlewareOrderProblem(attached, next);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });
});

const reader = (reading: 'started' | 'stopped') => ({ read: async () => reading });

describe('nsqHandler use', () => {
  it('throws a MiddlewareOrderError naming the order when observability comes after toggle', () => {
    // Prepare
    const handler = nsqHandler({ body: 'text', handle: async () => finish() }).use(
      toggle({ reader: reader('started') }),
    );

    // Act
    let thrown: unknown;
    try {
      handler.use(observability());
    } catch (err) {
      thrown = err;
    }

    // Assess
    expect(thrown).toBeInstanceOf(MiddlewareOrderError);
    expect((thrown as MiddlewareOrderError).order).toEqual([T, O]);
    expect((thrown as MiddlewareOrderError).message).toMatch(/use\(observability\(\.\.\.\)\) first/);
  });

  it('checks middlewares attached as an array too', () => {
    const handler = nsqHandler({ body: 'text', handle: async () => finish() });
    expect(() => handler.use([toggle({ reader: reader('started') }), observability()])).toThrow(
      MiddlewareOrderError,
    );
  });

  it('gives the same answer whatever the order of two deciding middlewares', async () => {
    // Prepare: a middleware of ours that requeues the first message, and a stopped toggle.
    const requeueFirst: NsqMiddleware = {
      name: 'requeue-first',
      before: (request) => {
        const batch = NsqBatch.of(request.event);
        const first = batch.pending()[0];
        if (first) batch.decide(first.id, requeue(7, 'first'), 'mine');
      },
    };
    const make = () => nsqHandler({ body: 'text', handle: async () => finish() });
    const stopped = () => toggle({ reader: reader('stopped'), requeueDelayMs: 5_000 });
    const event = batchEvent(['a', 'b']);

    // Act
    const one = await make().use(observability()).use(requeueFirst).use(stopped())(
      structuredClone(event),
      lambdaContext(),
    );
    const other = await make().use(observability()).use(stopped()).use(requeueFirst)(
      structuredClone(event),
      lambdaContext(),
    );

    // Assess: the outcomes differ only in who decided the first message, never in what happens to the second.
    expect(one.batchItemFailures[1]).toEqual(other.batchItemFailures[1]);
    expect(one.batchItemFailures[1]).toEqual({
      itemIdentifier: event.messages[1]?.id,
      delayMs: 5_000,
      reason: 'toggle stopped',
    });
  });
});
