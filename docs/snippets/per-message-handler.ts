import { z } from 'zod';
import { deadLetter, finish, nsqHandler, requeue } from '#shared/handler';

// The body schema: a message that does not match is dead-lettered before your code runs.
const orderPlaced = z
  .object({
    orderId: z.string().min(1),
    customerId: z.string().min(1),
    totalCents: z.number().int().positive(),
  })
  .strict();

export const handler = nsqHandler({
  body: orderPlaced,
  concurrency: 4, // messages of one batch handled at once
  handle: async (message, ctx) => {
    // message.body is typed: { orderId: string; customerId: string; totalCents: number }
    ctx.log.info('order received', { orderId: message.body.orderId }); // + messageId, attempts, batchId
    if (message.body.customerId === 'blocked') return deadLetter('customer is blocked');
    if (message.attempts === 1 && message.body.totalCents > 1_000_000) {
      return requeue(60_000, 'large order: give the fraud check a minute');
    }
    await sendConfirmation(message.body.orderId, ctx.signal); // a throw here requeues this message only
    return finish();
  },
});

async function sendConfirmation(orderId: string, signal: AbortSignal): Promise<void> {
  await fetch(`https://mailer.internal/confirm/${encodeURIComponent(orderId)}`, { method: 'POST', signal });
}
