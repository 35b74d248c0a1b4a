/**
 * The adapters a bridge config asks for, built for main.ts: the dead-letter store (NSQ topic or S3), the
 * claim-check store, the Upstash toggle reader and one HTTP invoker per HTTP target (with its signing
 * secrets resolved, every problem listed at once).
 */
import type { SecretReader } from '#shared/clients/secrets-manager';
import type { BridgeConfig } from '#shared/config/bridge-config';
import { ConfigError } from '#shared/errors';
import { UpstashToggleReader } from '#shared/toggle/toggle-reader';
import { createNsqTopicDeadLetterStore } from './dead-letter/nsq-topic-store.ts';
import { resolveSigningSecrets } from './http/signing-secrets.ts';
import type { Logger } from './observability/logger.ts';
import type { BatchInvoker, ClaimCheckStore, DeadLetterStore, ToggleReader } from './ports.ts';

// The S3 store (@aws-sdk/client-s3), the Upstash client and the HTTP invoker (undici) are imported only
// when the config uses them: in the bundle their modules then never run, which keeps them off the RSS
// of a bridge that invokes Lambda, dead-letters to an NSQ topic and reads no toggles (bridge/Dockerfile
// has the numbers).

export async function deadLetterStore(config: BridgeConfig): Promise<DeadLetterStore> {
  const d = config.deadLetter;
  if (d.kind === 'nsq')
    return createNsqTopicDeadLetterStore({ topic: d.topic, nsqdHttpAddresses: d.nsqdHttpAddresses });
  const { createS3DeadLetterStore } = await import('./dead-letter/s3-store.ts');
  return createS3DeadLetterStore({
    bucket: d.bucket,
    prefix: d.prefix,
    s3: { region: d.region ?? config.lambda.region, ...(d.endpoint && { endpoint: d.endpoint }) },
  });
}

/** The claim-check store, when `claimCheck` is configured (the S3 client is loaded only then). */
export async function claimCheckStore(config: BridgeConfig): Promise<ClaimCheckStore | undefined> {
  const c = config.claimCheck;
  if (!c) return undefined;
  const { createS3ClaimCheckStore } = await import('./claim-check/s3-claim-check-store.ts');
  return createS3ClaimCheckStore({
    bucket: c.bucket,
    prefix: c.prefix,
    s3: { region: c.region ?? config.lambda.region, ...(c.endpoint && { endpoint: c.endpoint }) },
  });
}

export async function toggleReader(config: BridgeConfig, logger: Logger): Promise<ToggleReader | undefined> {
  const url = config.toggles.url;
  const token = config.secrets.upstashToken;
  if (!url || !token) {
    if (config.subscriptions.some((s) => s.toggle.policy === 'requeue'))
      logger.warn(
        'toggles are not read: set UPSTASH_REDIS_REST_URL (or toggles.url) and UPSTASH_REDIS_REST_TOKEN',
      );
    return undefined;
  }
  const { Redis } = await import('@upstash/redis');
  return new UpstashToggleReader({
    redis: new Redis({ url, token, retry: false }),
    // The bridge polls every toggles.pollIntervalMs (≤ 1 s): that poll is the cache. A second cache
    // would let a start wait up to 2 polls; without it the bridge resumes within one poll of a start.
    cacheTtlMs: 0,
    onError: (error, functionName) =>
      logger.warn('toggle read failed', { functionName, error: (error as Error)?.message ?? String(error) }),
  });
}

export interface HttpInvokers {
  readonly invokers: Map<string, BatchInvoker>;
  /** Every signing secret, for the logger to redact. */
  readonly secrets: string[];
}

/** The HTTP targets' invokers, by subscription name; every signing-secret problem listed at once. */
export async function httpInvokers(
  config: BridgeConfig,
  env: NodeJS.ProcessEnv,
  readSecret: SecretReader | undefined,
): Promise<HttpInvokers> {
  const { secrets, problems } = await resolveSigningSecrets(config.subscriptions, {
    env,
    // Imported only when a signing secret is an ARN: a bridge without one never loads the SDK client.
    readSecret:
      readSecret ??
      (async (arn) => (await import('#shared/clients/secrets-manager')).readSecretFromSecretsManager(arn)),
  });
  if (problems.length > 0) throw new ConfigError(problems);
  const invokers = new Map<string, BatchInvoker>();
  const all = [...secrets.values()].flat();
  if (!config.subscriptions.some((s) => s.target)) return { invokers, secrets: all };
  const { createHttpInvoker } = await import('./http/http-invoker.ts');
  for (const s of config.subscriptions) {
    const own = secrets.get(s.name);
    if (!s.target || !own) continue;
    invokers.set(
      s.name,
      createHttpInvoker({
        url: s.target.url,
        secrets: own,
        headers: s.target.headers,
        connections: s.maxConcurrentInvocations,
      }),
    );
  }
  return { invokers, secrets: all };
}
