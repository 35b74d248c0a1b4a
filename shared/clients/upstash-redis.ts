/**
 * The @upstash/redis client the handler kit uses, from a URL and a token. No AWS SDK and no node:
 * imports, so edge bundles (toFetchHandler) use it directly with the credentials from their bindings;
 * Lambda handlers go through shared/clients/upstash.ts, which also reads Secrets Manager.
 */
import { Redis } from '@upstash/redis';
import { z } from 'zod';

export const upstashCredentialsSchema = z
  .object({
    url: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
    token: z.string().min(1),
  })
  .strict();

export type UpstashCredentials = z.infer<typeof upstashCredentialsSchema>;

/** A Redis client tuned for handlers: one retry, no telemetry. */
export function upstashRedis(credentials: UpstashCredentials, automaticDeserialization = true): Redis {
  return new Redis({
    url: credentials.url,
    token: credentials.token,
    automaticDeserialization,
    enableTelemetry: false,
    retry: { retries: 1, backoff: () => 50 },
  });
}
