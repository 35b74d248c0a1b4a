import { describe, expect, it } from 'vitest';
import { encodeReply } from '#dev/local-upstash/encoding';

describe('encodeReply', () => {
  it('base64-encodes every string at any depth; only a whole result of OK stays bare', () => {
    const reply = [Buffer.from('OK'), Buffer.from('abcd'), 3, null, [Buffer.from([0xff, 0])]];
    expect(encodeReply(reply, true)).toEqual(['T0s=', 'YWJjZA==', 3, null, ['/wA=']]);
    expect(encodeReply(Buffer.from('OK'), true)).toBe('OK');
  });

  it('sends UTF-8 text without base64, invalid bytes as U+FFFD', () => {
    expect(encodeReply(Buffer.from('héllo'), false)).toBe('héllo');
    expect(encodeReply([Buffer.from([0x61, 0xff])], false)).toEqual(['a\ufffd']);
  });

  it('keeps RESP2 shapes: flat pairs stay flat, nested arrays stay nested, errors inside become text', () => {
    const flat = [Buffer.from('b'), Buffer.from('2.5'), Buffer.from('a'), Buffer.from('4')];
    const nested = [[Buffer.from('st'), [[Buffer.from('1-1'), [Buffer.from('f'), Buffer.from('v')]]]]];
    expect(encodeReply(flat, false)).toEqual(['b', '2.5', 'a', '4']);
    expect(encodeReply(nested, false)).toEqual([['st', [['1-1', ['f', 'v']]]]]);
    expect(encodeReply([1, new Error('inner')], false)).toEqual([1, 'inner']);
  });
});
