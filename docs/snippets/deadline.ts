import { finish, nsqHandler, requeue } from '#shared/handler';

export const handler = nsqHandler({
  body: 'text',
  // Answer 3 s before the Lambda timeout: messages still running then are requeued, not lost.
  deadlineMarginMs: 3_000,
  handle: async (message, ctx) => {
    if (ctx.remainingTimeMs() < 10_000) return requeue(0, 'not enough time left to start'); // optional
    // Pass ctx.signal to anything that waits, so work stops when the deadline answer has been given.
    const response = await fetch(`https://slow.internal/process?id=${message.id}`, { signal: ctx.signal });
    if (!response.ok) throw new Error(`answered ${response.status}`);
    return finish();
  },
});
