import { describe, expect, it } from 'vitest';
import {
  notAvailableMessage,
  notInRestMessage,
  upstashErrorText,
  upstashRefusal,
} from '#dev/local-upstash/command-policy';

describe('upstashRefusal', () => {
  it.each([
    [['GET', 'k'], undefined],
    [['zrange', 'z', '0', '-1', 'WITHSCORES'], undefined],
    [['XREAD', 'COUNT', '1', 'STREAMS', 's', '0'], undefined],
    [['CLIENT', 'SETINFO', 'LIB-NAME', 'x'], undefined],
    [['CONFIG', 'GET', 'maxmemory'], undefined],
    [['blpop', 'l', '0'], { kind: 'not-available', message: notAvailableMessage('BLPOP') }],
    [['SORT', 'l'], { kind: 'not-available', message: notAvailableMessage('SORT') }],
    [['OBJECT', 'ENCODING', 'k'], { kind: 'not-available', message: notAvailableMessage('OBJECT') }],
    [
      ['XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'],
      { kind: 'not-available', message: notAvailableMessage('XREAD BLOCK') },
    ],
    [['select', '1'], { kind: 'not-in-rest', message: notInRestMessage('SELECT') }],
    [['MULTI'], { kind: 'not-in-rest', message: notInRestMessage('MULTI') }],
    [['CLIENT', 'LIST'], { kind: 'not-in-rest', message: notInRestMessage('CLIENT') }],
    [['SUBSCRIBE', 'c'], { kind: 'not-in-rest', message: notInRestMessage('SUBSCRIBE') }],
  ])('%j → %j', (command, refusal) => {
    expect(upstashRefusal(command)).toEqual(refusal);
  });
});

describe('upstashErrorText', () => {
  it.each([
    ["ERR unknown command 'nope', with args beginning with: 'x' ", notAvailableMessage('NOPE')],
    ['ERR value is not an integer or out of range', 'ERR value is not an integer or out of range'],
    [
      'WRONGTYPE Operation against a key holding the wrong kind of value',
      'WRONGTYPE Operation against a key holding the wrong kind of value',
    ],
  ])('%s', (redisError, upstashError) => {
    expect(upstashErrorText(redisError)).toBe(upstashError);
  });

  it('uses Upstash words', () => {
    expect(notAvailableMessage('sort')).toBe(
      "ERR Command is not available: 'SORT'. See https://upstash.com/docs/redis/overall/rediscompatibility for details",
    );
    expect(notInRestMessage('watch')).toBe(
      'ERR Command "WATCH" is not allowed in REST or it has a special context path',
    );
  });
});
