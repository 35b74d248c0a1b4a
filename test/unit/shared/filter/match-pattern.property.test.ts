/** Property tests per operator: each compiled rule agrees with a direct statement of its meaning. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilters } from '#shared/filter/message-filter';

const matchField = (rule: unknown, body: Record<string, unknown>) =>
  compileFilters([{ body: { f: [rule] } }]).matches(JSON.stringify(body));
const scalar = fc.oneof(
  fc.string(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const num = fc.double({ noNaN: true, noDefaultInfinity: true });

describe('filter operators (properties)', () => {
  it('exact value: matches exactly the equal value', () => {
    fc.assert(
      fc.property(scalar, scalar, (want, got) => {
        const normal = (v: unknown) => JSON.parse(JSON.stringify(v));
        expect(matchField(want, { f: got })).toBe(normal(want) === normal(got));
      }),
    );
  });

  it('prefix and suffix: String.startsWith / endsWith on strings, never on other types', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), num, (p, s, n) => {
        expect(matchField({ prefix: p }, { f: s })).toBe(s.startsWith(p));
        expect(matchField({ suffix: p }, { f: s })).toBe(s.endsWith(p));
        expect(matchField({ prefix: p }, { f: n })).toBe(false);
        expect(matchField({ prefix: p }, { f: `${p}${s}` })).toBe(true);
      }),
    );
  });

  it('equals-ignore-case: equal after lower-casing', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(matchField({ 'equals-ignore-case': a }, { f: b })).toBe(a.toLowerCase() === b.toLowerCase());
        expect(matchField({ 'equals-ignore-case': a }, { f: a.toUpperCase() })).toBe(
          a.toUpperCase().toLowerCase() === a.toLowerCase(),
        );
      }),
    );
  });

  it('anything-but: a present value not in the list; a missing field never', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), fc.string(), (list, v) => {
        expect(matchField({ 'anything-but': list }, { f: v })).toBe(!list.includes(v));
        expect(matchField({ 'anything-but': list }, { g: v })).toBe(false);
      }),
    );
  });

  it('numeric range: the conjunction of both bounds, numbers only', () => {
    fc.assert(
      fc.property(num, num, num, fc.boolean(), fc.boolean(), (a, b, v, lowInc, highInc) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const rule = { numeric: [lowInc ? '>=' : '>', lo, highInc ? '<=' : '<', hi] };
        const expected = (lowInc ? v >= lo : v > lo) && (highInc ? v <= hi : v < hi);
        expect(matchField(rule, { f: v })).toBe(expected);
        expect(matchField(rule, { f: String(v) })).toBe(false);
        expect(matchField({ numeric: ['=', v] }, { f: v })).toBe(true);
      }),
    );
  });

  it('exists: true iff the field is present (as a leaf), false iff absent', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('f', 'g', 'h'), scalar), (body) => {
        const present = Object.hasOwn(body, 'f');
        expect(matchField({ exists: true }, body)).toBe(present);
        expect(matchField({ exists: false }, body)).toBe(!present);
      }),
    );
  });

  it('$or: matches iff one alternative matches', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (x, y, bx, by) => {
        const filter = compileFilters([{ body: { $or: [{ x: [x] }, { y: [y] }] } }]);
        expect(filter.matches(JSON.stringify({ x: bx, y: by }))).toBe(bx === x || by === y);
      }),
    );
  });

  it('nested fields: a pattern one level down equals the same pattern on the inner object', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (want, got) => {
        const outer = compileFilters([{ body: { a: { b: [want] } } }]).matches(
          JSON.stringify({ a: { b: got } }),
        );
        const inner = compileFilters([{ body: { b: [want] } }]).matches(JSON.stringify({ b: got }));
        expect(outer).toBe(inner);
      }),
    );
  });
});
