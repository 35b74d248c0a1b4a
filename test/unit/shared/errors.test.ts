import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  countProblems,
  InvalidBatchEventError,
  listProblems,
  MiddlewareOrderError,
  NsqdHttpError,
  OptionsError,
} from '#shared/errors';

const cause = new Error('the lower-level failure');

describe('shared errors', () => {
  it.each([
    {
      error: new NsqdHttpError('POST /pub: HTTP 500', 500, { cause }),
      name: 'NsqdHttpError',
      message: 'POST /pub: HTTP 500',
      context: { status: 500 },
    },
    {
      error: new ConfigError(['a: bad', 'b: worse'], { cause }),
      name: 'ConfigError',
      message: 'invalid bridge config (2 problems):\n  - a: bad\n  - b: worse',
      context: { problems: ['a: bad', 'b: worse'] },
    },
    {
      error: new InvalidBatchEventError(['messages: Required'], { cause }),
      name: 'InvalidBatchEventError',
      message: 'not an nsq-lambda batch event:\n  - messages: Required',
      context: { problems: ['messages: Required'] },
    },
    {
      error: new OptionsError('nsq-dedupe', ['ttlSec: too small'], { cause }),
      name: 'OptionsError',
      message: 'invalid nsq-dedupe options (1 problem):\n  - ttlSec: too small',
      context: { owner: 'nsq-dedupe', problems: ['ttlSec: too small'] },
    },
    {
      error: new MiddlewareOrderError(['nsq-toggle', 'nsq-observability'], 'attach observability first', {
        cause,
      }),
      name: 'MiddlewareOrderError',
      message: 'attach observability first',
      context: { order: ['nsq-toggle', 'nsq-observability'] },
    },
  ])('$name keeps its name, message, context and cause', ({ error, name, message, context }) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toBe(message);
    expect(error).toMatchObject(context);
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe(`${name}: ${message}`);
  });

  it('lists and counts problems', () => {
    expect(listProblems('bad', ['x', 'y'])).toBe('bad:\n  - x\n  - y');
    expect(countProblems(['x'])).toBe('1 problem');
    expect(countProblems(['x', 'y'])).toBe('2 problems');
  });
});
