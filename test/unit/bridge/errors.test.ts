import { describe, expect, it } from 'vitest';
import { DeadLetterWriteError, NsqjsInternalsError } from '#bridge/errors';

describe('DeadLetterWriteError', () => {
  it('names the destination, counts the records and keeps the causes', () => {
    const one = new DeadLetterWriteError('s3://b/p', [{ id: 'a', error: new Error('denied') }]);
    expect(one.message).toBe('dead-letter write to s3://b/p failed for 1 record: denied');
    expect(one.name).toBe('DeadLetterWriteError');
    expect((one.cause as Error).message).toBe('denied');
    expect(one.destination).toBe('s3://b/p');
    const two = new DeadLetterWriteError('nsq://t', [
      { id: 'a', error: new Error('x') },
      { id: 'b', error: new Error('y') },
    ]);
    expect(two.ids).toEqual(['a', 'b']);
    expect(two.message).toMatch(/2 records/);
    expect(two.cause).toBeInstanceOf(AggregateError);
    expect((two.cause as AggregateError).errors.map((e: Error) => e.message)).toEqual(['x', 'y']);
  });
});

describe('NsqjsInternalsError', () => {
  it('names the nsqjs version and every missing member, and keeps a cause', () => {
    const cause = new Error('probe failed');
    const err = new NsqjsInternalsError(
      '0.14.0',
      ['Message.prototype.finish (expected function)', 'Reader#x'],
      {
        cause,
      },
    );
    expect(err.name).toBe('NsqjsInternalsError');
    expect(err.message).toMatch(/^nsqjs 0\.14\.0 lacks 2 internals/);
    expect(err.message).toContain('Message.prototype.finish (expected function); Reader#x');
    expect(err.nsqjsVersion).toBe('0.14.0');
    expect(err.missing).toHaveLength(2);
    expect(err.cause).toBe(cause);
  });
});
