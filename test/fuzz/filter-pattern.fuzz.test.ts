/**
 * Filter patterns under arbitrary input: compiling never throws (a pattern is accepted or its problems
 * listed, each with a path), and an accepted pattern matched against arbitrary bodies, JSON or bytes,
 * never throws and answers a boolean.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FilterPatternError } from '#shared/errors';
import { compilePattern } from '#shared/filter/compile-pattern';
import { compileFilters } from '#shared/filter/message-filter';

const ruleish = fc.oneof(
  fc.jsonValue(),
  fc.record({ prefix: fc.jsonValue() }),
  fc.record({
    numeric: fc.array(fc.oneof(fc.constantFrom('=', '<', '<=', '>', '>='), fc.double()), { maxLength: 5 }),
  }),
  fc.record({ 'anything-but': fc.jsonValue() }),
  fc.record({ exists: fc.jsonValue() }),
);
const pattern = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.record({
    body: fc.oneof(fc.array(ruleish, { maxLength: 4 }), fc.dictionary(fc.string(), fc.array(ruleish))),
  }),
  fc.record({
    body: fc.dictionary(
      fc.string(),
      fc.oneof(fc.array(ruleish), fc.dictionary(fc.string(), fc.array(ruleish))),
    ),
  }),
);
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
  fc.string(),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
);

describe('filter patterns (fuzz)', () => {
  it('compile accepts or lists problems with paths; matching an accepted pattern never throws', () => {
    fc.assert(
      fc.property(pattern, fc.array(body, { maxLength: 5 }), (p, bodies) => {
        const result = compilePattern(p);
        if (!result.ok) {
          expect(result.problems.length).toBeGreaterThan(0);
          for (const problem of result.problems) expect(Array.isArray(problem.path)).toBe(true);
          expect(() => compileFilters([p])).toThrow(FilterPatternError);
          return;
        }
        const filter = compileFilters([p]);
        for (const b of bodies) expect(typeof filter.matches(b)).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
});
