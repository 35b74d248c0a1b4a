/**
 * The smallest nsq-lambda handler. One message at a time; return finish(), requeue(delayMs) or
 * deadLetter(reason); a thrown error requeues that message. Bodies failing the schema are
 * dead-lettered before the handler runs. See docs/writing-a-handler.md.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { finish, nsqHandler } from '#shared/handler';
import { observability } from '#shared/middleware/observability';

const body = z.object({ greeting: z.string().min(1) }).strict();

const metrics = new Metrics({ namespace: 'nsq-lambda', serviceName: 'template' });

export const handler = nsqHandler({
  body,
  handle: async (message, ctx) => {
    ctx.log.info('received', { greeting: message.body.greeting });
    return finish();
  },
}).use(observability({ metrics }));
