import { describe, expect, it } from 'vitest';
import { encodeBinaryMpub, NsqdHttpClient } from '#shared/nsq/nsqd-http';

describe('encodeBinaryMpub', () => {
  it('writes a count, then a size and the bytes of each message', () => {
    const out = encodeBinaryMpub(['ab', Buffer.from([0, 255])]);
    expect([...out]).toEqual([0, 0, 0, 2, 0, 0, 0, 2, 97, 98, 0, 0, 0, 2, 0, 255]);
  });

  it('encodes UTF-8 strings by bytes, not characters', () => {
    const out = encodeBinaryMpub(['é']);
    expect(out.readUInt32BE(4)).toBe(2);
  });
});

describe('NsqdHttpClient', () => {
  it('accepts host:port or a URL', () => {
    expect(new NsqdHttpClient('127.0.0.1:4151').baseUrl).toBe('http://127.0.0.1:4151');
    expect(new NsqdHttpClient('https://nsqd.internal:4151/').baseUrl).toBe('https://nsqd.internal:4151');
  });

  it('names the address when nsqd is unreachable', async () => {
    const client = new NsqdHttpClient('127.0.0.1:1', { requestTimeoutMs: 500 });
    await expect(client.stats()).rejects.toThrow(/127\.0\.0\.1:1 is unreachable/);
    expect(await client.ping()).toBe(false);
  });
});
