import { defineFunction } from '#shared/functions/definition';

/**
 * The source article's queue reader: back up rendered HTML pages to S3. Behind a remote toggle (the
 * renderer purges its cache sometimes and must not be flooded), a per-host rate limit, and dedupe
 * per URL. Needs env RENDERER_URL (the render endpoint; `?url=<page>` is appended).
 */
export default defineFunction({
  name: 'html-backup',
  description: 'Fetches pages from the renderer and stores the HTML in the data bucket.',
  timeoutSec: 60,
  memoryMb: 512,
  grants: { dataBucket: 'write', upstash: true },
  subscriptions: [
    {
      topic: 'html-backup',
      channel: 'html-backup',
      maxMessages: 25,
      maxConcurrentInvocations: 4,
      maxAttempts: 5,
      toggle: { policy: 'requeue', requeueDelayMs: 60_000, failMode: 'open' },
    },
  ],
});
