/**
 * A real redis-server plus the local Upstash REST endpoint in front of it, for one test file.
 *
 *   const upstash = useLocalUpstash();
 *   const { url, token } = await upstash.start();
 */
import { randomBytes } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { afterAll } from 'vitest';
import { type LocalUpstash, startLocalUpstash } from '#dev/local-upstash/server';
import { RedisServer } from '#dev/services/redis';

export interface UpstashFixture {
  readonly url: string;
  readonly token: string;
  readonly endpoint: LocalUpstash;
  readonly redisServer: RedisServer;
  /** A fresh @upstash/redis client for this endpoint (telemetry off, no retries). */
  client(options?: { automaticDeserialization?: boolean }): Redis;
}

export function useLocalUpstash() {
  const disposers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const d of disposers.splice(0).reverse()) await d().catch(() => {});
  });
  return {
    async start(): Promise<UpstashFixture> {
      const redisServer = await RedisServer.start();
      disposers.push(() => redisServer.dispose());
      const token = randomBytes(12).toString('hex');
      const endpoint = await startLocalUpstash({ redisPort: redisServer.port, token });
      disposers.push(() => endpoint.close());
      return {
        url: endpoint.url,
        token,
        endpoint,
        redisServer,
        client: (options = {}) =>
          new Redis({
            url: endpoint.url,
            token,
            enableTelemetry: false,
            retry: false,
            ...options,
          }),
      };
    },
  };
}
