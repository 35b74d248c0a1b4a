import { PutObjectCommand } from '@aws-sdk/client-s3';
import { s3ClientForHandlers } from '#shared/clients/s3-client';
import { finish, nsqHandler } from '#shared/handler';

// One attempt (the queue retries, with backoff, outside the billed invocation), a 2 s connect
// timeout, a 10 s limit per request; created on first use and reused by later invocations.
const s3 = s3ClientForHandlers({ connectionTimeoutMs: 2_000, requestTimeoutMs: 10_000 });

export const handler = nsqHandler({
  body: 'bytes',
  handle: async (message, ctx) => {
    await s3.send(
      new PutObjectCommand({ Bucket: process.env.DATA_BUCKET, Key: `raw/${message.id}`, Body: message.body }),
      { abortSignal: ctx.signal },
    );
    return finish();
  },
});
