/**
 * Each example of the filter-rule syntax table in AWS's "Control which events Lambda sends to your
 * function" (invocation-eventfiltering), one row each: the rule under `body`, a body it must match
 * and one it must not. Plus the SQS plain-string examples, patterns OR, and compile errors.
 */
import { describe, expect, it } from 'vitest';
import { FilterPatternError } from '#shared/errors';
import { compileFilters, filterProblems, formatFilterProblem } from '#shared/filter/message-filter';

const json = (v: unknown) => JSON.stringify(v);

// [comparison operator, rule syntax (the pattern's body), matching body, non-matching body]
const awsSyntaxTable: readonly [string, Record<string, unknown>, unknown, unknown][] = [
  ['Null', { UserID: [null] }, { UserID: null }, { UserID: 'u1' }],
  ['Empty', { LastName: [''] }, { LastName: '' }, { LastName: 'Smith' }],
  ['Equals', { Name: ['Alice'] }, { Name: 'Alice' }, { Name: 'alice' }],
  ['Equals (ignore case)', { Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALICE' }, { Name: 'Bob' }],
  [
    'And',
    { Location: ['New York'], Day: ['Monday'] },
    { Location: 'New York', Day: 'Monday' },
    { Location: 'New York', Day: 'Tuesday' },
  ],
  ['Or', { PaymentType: ['Credit', 'Debit'] }, { PaymentType: 'Debit' }, { PaymentType: 'Cash' }],
  [
    'Or (multiple fields)',
    { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] },
    { Location: 'Paris', Day: 'Monday' },
    { Location: 'Paris', Day: 'Tuesday' },
  ],
  ['Not', { Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' }, { Weather: 'Raining' }],
  ['Numeric (equals)', { Price: [{ numeric: ['=', 100] }] }, { Price: 100 }, { Price: 101 }],
  ['Numeric (range)', { Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 20 }, { Price: 10 }],
  ['Exists', { ProductName: [{ exists: true }] }, { ProductName: 'x' }, { Other: 'x' }],
  ['Does not exist', { ProductName: [{ exists: false }] }, { Other: 'x' }, { ProductName: 'x' }],
  ['Begins with', { Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' }, { Region: 'eu-west-1' }],
  ['Ends with', { FileName: [{ suffix: '.png' }] }, { FileName: 'cat.png' }, { FileName: 'cat.jpg' }],
];

describe('filters: AWS filter-rule syntax examples', () => {
  it.each(awsSyntaxTable)('%s', (_name, rule, yes, no) => {
    const filter = compileFilters([{ body: rule }]);
    expect(filter.matches(json(yes))).toBe(true);
    expect(filter.matches(json(no))).toBe(false);
  });

  it('the SQS examples: a nested JSON field, and a plain-string body matched by a rule list', () => {
    const nested = compileFilters([{ body: { RequestCode: ['BBBB'] } }]);
    expect(nested.matches(json({ RequestCode: 'BBBB', data: 1 }))).toBe(true);
    expect(nested.matches(json({ RequestCode: 'AAAA' }))).toBe(false);
    const plain = compileFilters([{ body: [{ prefix: 'I like' }] }]);
    expect(plain.matches(Buffer.from('I like cheese'))).toBe(true);
    expect(plain.matches('I hate cheese')).toBe(false);
    // A rule list never matches a JSON-object body, and an object pattern never matches a plain string.
    expect(plain.matches(json({ x: 'I like' }))).toBe(false);
    expect(nested.matches('RequestCode BBBB')).toBe(false);
  });

  it('nested fields, arrays (one element suffices), and a pattern given as JSON text', () => {
    const filter = compileFilters(['{"body":{"order":{"items":{"sku":[{"prefix":"A-"}]}}}}']);
    expect(filter.matches(json({ order: { items: [{ sku: 'B-1' }, { sku: 'A-2' }] } }))).toBe(true);
    expect(filter.matches(json({ order: { items: [{ sku: 'B-1' }] } }))).toBe(false);
    const tags = compileFilters([{ body: { tags: ['red'] } }]);
    expect(tags.matches(json({ tags: ['blue', 'red'] }))).toBe(true);
    expect(tags.matches(json({ tags: ['blue'] }))).toBe(false);
  });

  it('several patterns OR; no patterns keep everything', () => {
    const filter = compileFilters([{ body: { kind: ['a'] } }, { body: { kind: ['b'] } }]);
    expect(filter.matches(json({ kind: 'b' }))).toBe(true);
    expect(filter.matches(json({ kind: 'c' }))).toBe(false);
    expect(compileFilters(undefined).matches('anything')).toBe(true);
    expect(compileFilters([]).matches('anything')).toBe(true);
  });

  it('anything-but with a prefix, and a missing field never matches anything-but', () => {
    const filter = compileFilters([{ body: { env: [{ 'anything-but': { prefix: 'test-' } }] } }]);
    expect(filter.matches(json({ env: 'prod-1' }))).toBe(true);
    expect(filter.matches(json({ env: 'test-1' }))).toBe(false);
    expect(filter.matches(json({}))).toBe(false);
  });

  it('lists every problem of every pattern, with its path', () => {
    const problems = filterProblems([
      { body: { a: 'x', b: [{ numeric: ['>', 5, '>', 1] }] } },
      { attributes: { x: ['y'] } },
      '{not json',
      { body: { c: [{ wildcard: '*' }], d: [], e: [{ exists: 'yes' }] } },
    ]).map((p) => formatFilterProblem(p));
    expect(problems).toEqual([
      expect.stringMatching(/^filters\.0\.body\.a: must be an array/),
      expect.stringMatching(/^filters\.0\.body\.b\.0\.numeric: a range is a lower bound/),
      expect.stringMatching(/^filters\.1\.attributes: only `body` can be filtered/),
      expect.stringMatching(/^filters\.2: not valid JSON/),
      expect.stringMatching(/^filters\.3\.body\.c\.0: unknown operator "wildcard"/),
      expect.stringMatching(/^filters\.3\.body\.d: an empty rule list/),
      expect.stringMatching(/^filters\.3\.body\.e\.0\.exists: must be true or false/),
    ]);
    expect(() => compileFilters([{ body: { a: 'x' } }])).toThrow(FilterPatternError);
  });
});
