import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { useServices } from '#test/harness/services';

const services = useServices();

describe('real redis-server', () => {
  const clients: Redis[] = [];
  afterAll(() => {
    for (const c of clients) c.disconnect();
  });

  it('runs its own instance on a free port with no persistence', async () => {
    // Prepare
    const redis = await services.redis();
    const client = new Redis(redis.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
    clients.push(client);
    await client.connect();

    // Act
    const value = Buffer.from([0, 1, 2, 255, 254, 10]);
    await client.set('k', value);
    const back = await client.getBuffer('k');
    const config = await client.config('GET', 'save');

    // Assess
    expect(back?.equals(value)).toBe(true);
    expect(redis.port).not.toBe(6379);
    expect(config).toEqual(['save', '']);
  });
});
