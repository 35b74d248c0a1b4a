import { describe, expect, it } from 'vitest';
import { discoverProducers, lookupUrl } from '#bridge/nsq/lookupd-discovery';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('discoverProducers', () => {
  it('queries every lookupd and returns the union keyed by broadcast_address:tcp_port', async () => {
    const asked: string[] = [];
    const fetchFake = (async (url: string) => {
      asked.push(url);
      if (url.includes('a:4161'))
        return json({
          producers: [
            { broadcast_address: 'n1', tcp_port: 4150 },
            { broadcast_address: 'n2', tcp_port: 4150 },
          ],
        });
      return json({
        producers: [
          { broadcast_address: 'n2', tcp_port: 4150 },
          { hostname: 'n3', tcp_port: 4152 },
        ],
      });
    }) as unknown as typeof fetch;
    const { producers, errors } = await discoverProducers({
      lookupdHttpAddresses: ['a:4161', 'http://b:4161'],
      topic: 'orders',
      timeoutMs: 1000,
      fetch: fetchFake,
    });
    expect(asked.sort()).toEqual(['http://a:4161/lookup?topic=orders', 'http://b:4161/lookup?topic=orders']);
    expect(producers).toEqual([
      { host: 'n1', tcpPort: 4150 },
      { host: 'n2', tcpPort: 4150 },
      { host: 'n3', tcpPort: 4152 },
    ]);
    expect(errors).toEqual([]);
  });

  it('treats 404 TOPIC_NOT_FOUND as empty, and surfaces failures and timeouts per lookupd', async () => {
    const fetchFake = ((url: string, init: RequestInit) => {
      if (url.includes('missing')) return Promise.resolve(json({ message: 'TOPIC_NOT_FOUND' }, 404));
      if (url.includes('broken')) return Promise.reject(new Error('ECONNREFUSED'));
      if (url.includes('error500')) return Promise.resolve(json({}, 500));
      return new Promise((_, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    }) as unknown as typeof fetch;
    const { producers, errors } = await discoverProducers({
      lookupdHttpAddresses: ['missing:1', 'broken:2', 'error500:3', 'slow:4'],
      topic: 't',
      timeoutMs: 50,
      fetch: fetchFake,
    });
    expect(producers).toEqual([]);
    expect(errors.map((e) => e.message).sort()).toEqual([
      'nsqlookupd broken:2: lookup of topic t failed',
      'nsqlookupd error500:3: lookup of topic t failed',
      'nsqlookupd slow:4: lookup of topic t failed',
    ]);
  });

  it('builds lookup URLs from host:port or a URL with a path', () => {
    expect(lookupUrl('127.0.0.1:4161', 'a.b')).toBe('http://127.0.0.1:4161/lookup?topic=a.b');
    expect(lookupUrl('https://lookupd.example/custom', 'x')).toBe('https://lookupd.example/custom?topic=x');
  });
});
