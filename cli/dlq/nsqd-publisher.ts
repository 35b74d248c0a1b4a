/**
 * Publishes replayed bodies through nsqd's HTTP /pub (binary-safe: the body is the request body).
 */
import { NsqdHttpClient, NsqdHttpError } from '#shared/nsq/nsqd-http';
import type { ReplayPublisher } from './replay.ts';

export function nsqdPublisher(address: string): ReplayPublisher & { readonly client: NsqdHttpClient } {
  const client = new NsqdHttpClient(address, { requestTimeoutMs: 10_000 });
  return {
    client,
    publish: (topic, body) => client.publish(topic, body),
    certainlyNotPublished(err) {
      if (!(err instanceof NsqdHttpError)) return false;
      if (err.status !== undefined) return true; // nsqd answered with an error status
      const code = (err.cause as { cause?: { code?: string } } | undefined)?.cause?.code;
      return code === 'ECONNREFUSED';
    },
  };
}
