/**
 * Publishes replayed bodies through nsqd's HTTP /pub (binary-safe: the body is the request body).
 */
import { NsqdHttpError } from '#shared/errors';
import { NsqdHttpClient } from '#shared/nsq/nsqd-http';
import type { ReplayPublisher } from './replay.ts';

export function nsqdPublisher(
  address: string,
  options: { requestTimeoutMs?: number } = {},
): ReplayPublisher & { readonly client: NsqdHttpClient } {
  const client = new NsqdHttpClient(address, { requestTimeoutMs: options.requestTimeoutMs ?? 10_000 });
  return {
    client,
    publish: (topic, body) => client.publish(topic, body),
    certainlyNotPublished(err) {
      if (!(err instanceof NsqdHttpError)) return false;
      if (err.status !== undefined) return true; // nsqd answered with an error status
      // fetch failed before a request could reach nsqd: refused, no such host, or a port fetch blocks.
      const cause = (err.cause as { cause?: { code?: string; message?: string } } | undefined)?.cause;
      return (
        cause?.code === 'ECONNREFUSED' ||
        cause?.code === 'ENOTFOUND' ||
        cause?.code === 'EAI_AGAIN' ||
        cause?.message === 'bad port'
      );
    },
  };
}
