import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatZodIssue, formatZodIssues } from '#shared/zod-issues';

const schema = z.object({ a: z.number(), list: z.array(z.object({ b: z.string() })) }).strict();

function issuesOf(value: unknown) {
  const parsed = schema.safeParse(value);
  if (parsed.success) throw new Error('expected a failure');
  return parsed.error.issues;
}

describe('formatZodIssues', () => {
  it.each([
    { value: 'x', problems: ['(root): Invalid input: expected object, received string'] },
    {
      value: { a: 'one', list: [{ b: 'ok' }, { b: 2 }] },
      problems: [
        'a: Invalid input: expected number, received string',
        'list.1.b: Invalid input: expected string, received number',
      ],
    },
    { value: { a: 1, list: [], typo: true }, problems: ['(root): Unrecognized key: "typo"'] },
  ])('lists every issue as path: message ($value)', ({ value, problems }) => {
    expect(formatZodIssues(issuesOf(value))).toEqual(problems);
  });

  it('puts a prefix before the path, also for the root', () => {
    expect(formatZodIssues(issuesOf({ a: 1, list: 'no' }), 'nsqLambda.')).toEqual([
      'nsqLambda.list: Invalid input: expected array, received string',
    ]);
    expect(formatZodIssue({ path: [], message: 'bad' }, 'nsqLambda.')).toBe('nsqLambda.(root): bad');
  });

  it('formats a custom rule issue of the same shape (symbols and numbers in the path)', () => {
    expect(formatZodIssue({ path: ['subscriptions', 0, Symbol('x')], message: 'too big' })).toBe(
      'subscriptions.0.Symbol(x): too big',
    );
  });
});
