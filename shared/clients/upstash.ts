/**
 * The @upstash/redis client for handlers, configured from the environment:
 * - locally: `UPSTASH_REDIS_REST_URL` and `UPSTASH_REDIS_REST_TOKEN` (e.g. the local Upstash endpoint);
 * - in AWS: `UPSTASH_SECRET_ARN`, a Secrets Manager secret holding JSON `{ "url": ..., "token": ... }`.
 *
 * Lazy (read on first use, not at import) and cached per execution environment. A failed read is not
 * cached, so the next invocation tries again. The token never appears in errors or logs.
 */
import { Redis } from '@upstash/redis';
import { z } from 'zod';
import { readSecretFromSecretsManager, type SecretReader } from './secrets-manager.ts';

export { readSecretFromSecretsManager, type SecretReader };

export const upstashCredentialsSchema = z
  .object({
    url: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL'),
    token: z.string().min(1),
  })
  .strict();

export type UpstashCredentials = z.infer<typeof upstashCredentialsSchema>;

export type UpstashEnv = Readonly<Record<string, string | undefined>>;

export async function resolveUpstashCredentials(
  env: UpstashEnv = process.env,
  readSecret: SecretReader = readSecretFromSecretsManager,
): Promise<UpstashCredentials> {
  const url = env.UPSTASH_REDIS_REST_URL;
  const token = env.UPSTASH_REDIS_REST_TOKEN;
  if (url && token) {
    const parsed = upstashCredentialsSchema.safeParse({ url, token });
    if (!parsed.success)
      throw new Error(`UPSTASH_REDIS_REST_URL ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
    return parsed.data;
  }
  const arn = env.UPSTASH_SECRET_ARN;
  if (!arn) {
    throw new Error(
      'no Upstash configuration: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or UPSTASH_SECRET_ARN',
    );
  }
  let text: string;
  try {
    text = await readSecret(arn);
  } catch (err) {
    throw new Error(`cannot read the Upstash secret ${arn}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`the Upstash secret ${arn} is not JSON (expected {"url": ..., "token": ...})`);
  }
  const parsed = upstashCredentialsSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new Error(`the Upstash secret ${arn} is invalid: ${problems}`);
  }
  return parsed.data;
}

export interface UpstashClientOptions {
  readonly env?: UpstashEnv;
  readonly readSecret?: SecretReader;
  /** JSON-parse every reply (the @upstash/redis default). @default true */
  readonly automaticDeserialization?: boolean;
}

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

const cached = new Map<string, Promise<Redis>>();

/** The environment's Redis client, created on first use. */
export function getUpstashRedis(options: UpstashClientOptions = {}): Promise<Redis> {
  const env = options.env ?? process.env;
  const deser = options.automaticDeserialization ?? true;
  const key = `${env.UPSTASH_REDIS_REST_URL ?? ''}|${env.UPSTASH_SECRET_ARN ?? ''}|${deser}`;
  let client = cached.get(key);
  if (!client) {
    client = resolveUpstashCredentials(env, options.readSecret).then((c) => upstashRedis(c, deser));
    cached.set(key, client);
    client.catch(() => cached.delete(key));
  }
  return client;
}

/** For tests: forget the cached clients. */
export function clearUpstashClients(): void {
  cached.clear();
}
