import { describe, expect, it } from 'vitest';
import { parseFunctionName } from '#dev/local-lambda/function-name';

describe('parseFunctionName', () => {
  it.each([
    ['echo', { name: 'echo' }],
    ['echo:live', { name: 'echo', qualifier: 'live' }],
    ['echo:$LATEST', { name: 'echo', qualifier: '$LATEST' }],
    ['123456789012:function:echo', { name: 'echo', accountId: '123456789012' }],
    ['123456789012:function:echo:7', { name: 'echo', accountId: '123456789012', qualifier: '7' }],
    [
      'arn:aws:lambda:eu-west-1:123456789012:function:echo',
      { name: 'echo', region: 'eu-west-1', accountId: '123456789012' },
    ],
    [
      'arn:aws:lambda:eu-west-1:123456789012:function:echo:$LATEST',
      { name: 'echo', region: 'eu-west-1', accountId: '123456789012', qualifier: '$LATEST' },
    ],
  ])('parses %s', (raw, expected) => {
    expect(parseFunctionName(raw)).toEqual(expected);
  });

  it.each([
    ['', /invalid function name ""/],
    ['a:b:c', /not a function name/],
    ['arn:aws:s3:::bucket', /not a Lambda function ARN/],
    ['arn:aws:lambda:us-east-1:123456789012:layer:x', /not a Lambda function ARN/],
    ['12345:function:echo', /invalid account id "12345"/],
    ['echo:bad qualifier', /invalid qualifier "bad qualifier"/],
    ['has space', /invalid function name "has space"/],
  ])('rejects %s', (raw, problem) => {
    const parsed = parseFunctionName(raw);
    expect('problem' in parsed && parsed.problem).toMatch(problem);
  });
});
