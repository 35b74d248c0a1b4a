import { describe, expect, it } from 'vitest';
import { clearUpstashClients, getUpstashRedis, resolveUpstashCredentials } from '#shared/clients/upstash';

const SECRET_TOKEN = 'super-secret-token-value';

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(outcome instanceof Error)) throw new Error('expected a rejection with an Error');
  return outcome;
}

describe('resolveUpstashCredentials', () => {
  it('prefers the URL and token from the environment', async () => {
    // Act
    const creds = await resolveUpstashCredentials(
      {
        UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
        UPSTASH_REDIS_REST_TOKEN: 't',
        UPSTASH_SECRET_ARN: 'arn:x',
      },
      () => Promise.reject(new Error('must not be called')),
    );

    // Assess
    expect(creds).toEqual({ url: 'http://127.0.0.1:8079', token: 't' });
  });

  it('reads {url, token} from the secret when only UPSTASH_SECRET_ARN is set', async () => {
    // Prepare
    const asked: string[] = [];

    // Act
    const creds = await resolveUpstashCredentials(
      { UPSTASH_SECRET_ARN: 'arn:aws:secretsmanager:x' },
      async (arn) => {
        asked.push(arn);
        return JSON.stringify({ url: 'https://eu1-x.upstash.io', token: SECRET_TOKEN });
      },
    );

    // Assess
    expect(asked).toEqual(['arn:aws:secretsmanager:x']);
    expect(creds.url).toBe('https://eu1-x.upstash.io');
  });

  it('explains a missing configuration, an unreadable secret and an invalid one, never printing the token', async () => {
    // Act
    const missing = await rejection(resolveUpstashCredentials({}));
    const unreadable = await rejection(
      resolveUpstashCredentials({ UPSTASH_SECRET_ARN: 'arn:1' }, () =>
        Promise.reject(new Error('AccessDenied')),
      ),
    );
    const invalid = await rejection(
      resolveUpstashCredentials({ UPSTASH_SECRET_ARN: 'arn:2' }, async () =>
        JSON.stringify({ url: 'redis://nope', token: SECRET_TOKEN }),
      ),
    );
    const notJson = await rejection(
      resolveUpstashCredentials({ UPSTASH_SECRET_ARN: 'arn:3' }, async () => SECRET_TOKEN),
    );

    // Assess
    expect(missing.message).toMatch(/UPSTASH_REDIS_REST_URL.*UPSTASH_SECRET_ARN/);
    expect(unreadable.message).toMatch(/cannot read the Upstash secret arn:1/);
    expect((unreadable.cause as Error).message).toBe('AccessDenied');
    expect(invalid.message).toMatch(/url: must be an http\(s\) URL/);
    expect(notJson.message).toMatch(/not JSON/);
    for (const e of [invalid, notJson]) expect(e.message).not.toContain(SECRET_TOKEN);
  });
});

describe('getUpstashRedis', () => {
  it('creates one client per environment and retries after a failed secret read', async () => {
    // Prepare
    clearUpstashClients();
    let reads = 0;
    const env = { UPSTASH_SECRET_ARN: 'arn:cache-test' };
    const readSecret = async () => {
      reads++;
      if (reads === 1) throw new Error('throttled');
      return JSON.stringify({ url: 'http://127.0.0.1:1', token: 't' });
    };

    // Act
    const first = await getUpstashRedis({ env, readSecret }).catch((e: unknown) => e);
    const second = await getUpstashRedis({ env, readSecret });
    const third = await getUpstashRedis({ env, readSecret });

    // Assess
    expect(first).toBeInstanceOf(Error);
    expect(second).toBe(third);
    expect(reads).toBe(2);
  });
});
