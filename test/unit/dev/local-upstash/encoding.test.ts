import { describe, expect, it } from 'vitest';
import { encodeReply } from '#dev/local-upstash/encoding';

describe('encodeReply', () => {
  it('base64-encodes every string at any depth except OK', () => {
    const reply = [Buffer.from('OK'), Buffer.from('abcd'), 3, null, [Buffer.from([0xff, 0])]];
    expect(encodeReply(reply, true)).toEqual(['OK', 'YWJjZA==', 3, null, ['/wA=']]);
  });

  it('sends UTF-8 text without base64 and flattens objects RESP2-style', () => {
    expect(encodeReply(Buffer.from('héllo'), false)).toBe('héllo');
    expect(encodeReply({ a: Buffer.from('1') }, false)).toEqual(['a', '1']);
  });
});
