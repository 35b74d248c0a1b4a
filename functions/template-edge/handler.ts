/**
 * The smallest edge handler: one message at a time behind toFetchHandler, with the toggle and dedupe
 * reading Upstash over HTTPS. It runs unchanged on Cloudflare Workers (workerd), Deno and Vercel; the
 * module's default export is what those runtimes call. Configuration comes from the bindings (`env`):
 * the signing secret(s) and the Upstash REST URL and token. See docs/edge.md.
 */
import { z } from 'zod';
import { upstashRedis } from '#shared/clients/upstash-redis';
import { type FetchHandler, finish, nsqHandler, signingSecretsFrom, toFetchHandler } from '#shared/handler';
import { dedupe } from '#shared/middleware/dedupe';
import { observability } from '#shared/middleware/observability';
import { toggle } from '#shared/middleware/toggle';
import { UpstashToggleReader } from '#shared/toggle/toggle-reader';

const body = z.object({ greeting: z.string().min(1) }).strict();

/** The bindings this function reads. */
export interface Env {
  readonly NSQ_LAMBDA_SIGNING_SECRET: string;
  /** The previous secret, only during a rotation. */
  readonly NSQ_LAMBDA_SIGNING_SECRET_PREVIOUS?: string;
  readonly UPSTASH_REDIS_REST_URL: string;
  readonly UPSTASH_REDIS_REST_TOKEN: string;
}

export function createFetchHandler(env: Env): FetchHandler {
  if (!env.UPSTASH_REDIS_REST_URL || !env.UPSTASH_REDIS_REST_TOKEN) {
    throw new Error('UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN must be bound (see docs/edge.md)');
  }
  const redis = upstashRedis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN });
  const handler = nsqHandler({
    body,
    handle: async (message, ctx) => {
      ctx.log.info('received', { greeting: message.body.greeting });
      return finish();
    },
  })
    .use(observability())
    .use(toggle({ reader: new UpstashToggleReader({ redis }), functionName: 'template-edge' }))
    .use(dedupe({ redis }));
  return toFetchHandler(handler, { signingSecrets: signingSecretsFrom({ ...env }) });
}

let built: { readonly env: Env; readonly fetch: FetchHandler } | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    if (built?.env !== env) built = { env, fetch: createFetchHandler(env) };
    return built.fetch(request);
  },
};
