/**
 * Compiles one filter pattern, in the syntax of Lambda's FilterCriteria (EventBridge patterns), into a
 * tree that match-pattern.ts evaluates. Compiled once at start-up; every problem is reported with its
 * path, so an invalid config lists them all. Supported: exact values (string, number, boolean, null),
 * `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (values, or a prefix/suffix/equals-ignore-case),
 * `numeric` (`=`, `<`, `<=`, `>`, `>=`, or a range of a lower and an upper bound), `exists`, `$or`, and
 * nested fields. A pattern is an object (or its JSON text) whose only key is `body`, as an SQS mapping's
 * pattern: `{ "body": { "field": [rules] } }` for a JSON body, `{ "body": [rules] }` for the raw string.
 */

export type Scalar = string | number | boolean | null;

export type NumericOp = '=' | '<' | '<=' | '>' | '>=';

export type Rule =
  | { readonly kind: 'equals'; readonly value: Scalar }
  | { readonly kind: 'equalsIgnoreCase'; readonly lower: string }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'numeric'; readonly checks: readonly (readonly [NumericOp, number])[] }
  | { readonly kind: 'exists'; readonly value: boolean }
  /** Matches a present leaf value that the inner rule does not match. */
  | { readonly kind: 'anythingBut'; readonly not: readonly Rule[] };

export type FieldNode =
  | { readonly kind: 'rules'; readonly rules: readonly Rule[] }
  | { readonly kind: 'object'; readonly node: ObjectNode };

export interface ObjectNode {
  /** Every field must match (AND). */
  readonly fields: readonly (readonly [string, FieldNode])[];
  /** Each `$or` must have one alternative that matches. */
  readonly ors: readonly (readonly ObjectNode[])[];
}

export type FilterPath = readonly (string | number)[];

/** One problem of a pattern: where (keys and indexes from the pattern's root) and what. */
export interface FilterProblem {
  readonly path: FilterPath;
  readonly message: string;
}

export type CompileResult =
  | { readonly ok: true; readonly pattern: ObjectNode }
  | { readonly ok: false; readonly problems: readonly FilterProblem[] };

const NUMERIC_OPS = new Set<string>(['=', '<', '<=', '>', '>=']);
const LOWER_OPS = new Set<string>(['>', '>=']);
const UPPER_OPS = new Set<string>(['<', '<=']);
const TOP_LEVEL_KEYS = new Set(['body', '$or']);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: unknown) => JSON.stringify(v) ?? String(v);

class Compiler {
  readonly problems: FilterProblem[] = [];

  problem(path: FilterPath, message: string): void {
    this.problems.push({ path, message });
  }

  object(value: Record<string, unknown>, path: FilterPath, top: boolean): ObjectNode {
    const fields: [string, FieldNode][] = [];
    const ors: ObjectNode[][] = [];
    const keys = Object.keys(value);
    if (keys.length === 0)
      this.problem(path, 'an empty pattern object matches nothing: give at least one field');
    for (const key of keys) {
      const child = value[key];
      const at = [...path, key];
      if (top && !TOP_LEVEL_KEYS.has(key)) {
        this.problem(
          at,
          'only `body` can be filtered (as in an SQS mapping); put field patterns under `body`',
        );
        continue;
      }
      if (key === '$or') {
        ors.push(this.or(child, at, top));
        continue;
      }
      if (Array.isArray(child)) fields.push([key, { kind: 'rules', rules: this.rules(child, at) }]);
      else if (isRecord(child)) fields.push([key, { kind: 'object', node: this.object(child, at, false) }]);
      else
        this.problem(
          at,
          `must be an array of rules or a nested pattern object, got ${show(child)} (write [${show(child)}] for an exact value)`,
        );
    }
    return { fields, ors };
  }

  or(value: unknown, path: FilterPath, top: boolean): ObjectNode[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.problem(path, '$or must be a non-empty array of pattern objects');
      return [];
    }
    return value.flatMap((alt, i) => {
      if (isRecord(alt)) return [this.object(alt, [...path, i], top)];
      this.problem([...path, i], `each $or alternative must be a pattern object, got ${show(alt)}`);
      return [];
    });
  }

  rules(list: unknown[], path: FilterPath): Rule[] {
    if (list.length === 0)
      this.problem(path, 'an empty rule list matches nothing: give at least one value or rule');
    return list.flatMap((r, i) => {
      const rule = this.rule(r, [...path, i]);
      return rule ? [rule] : [];
    });
  }

  rule(r: unknown, path: FilterPath): Rule | undefined {
    if (r === null || typeof r === 'string' || typeof r === 'boolean') return { kind: 'equals', value: r };
    if (typeof r === 'number') {
      if (Number.isFinite(r)) return { kind: 'equals', value: r };
      this.problem(path, 'a number must be finite');
      return undefined;
    }
    if (!isRecord(r)) {
      this.problem(path, `must be a value or a rule object, got ${show(r)}`);
      return undefined;
    }
    const keys = Object.keys(r);
    if (keys.length !== 1) {
      this.problem(
        path,
        `a rule object has exactly one operator, got ${keys.length} (${keys.join(', ') || 'none'})`,
      );
      return undefined;
    }
    const op = keys[0] as string;
    const arg = r[op];
    const at = [...path, op];
    switch (op) {
      case 'prefix':
      case 'suffix':
        if (typeof arg === 'string') return { kind: op, value: arg };
        this.problem(at, `must be a string, got ${show(arg)}`);
        return undefined;
      case 'equals-ignore-case':
        if (typeof arg === 'string') return { kind: 'equalsIgnoreCase', lower: arg.toLowerCase() };
        this.problem(at, `must be a string, got ${show(arg)}`);
        return undefined;
      case 'exists':
        if (typeof arg === 'boolean') return { kind: 'exists', value: arg };
        this.problem(at, `must be true or false, got ${show(arg)}`);
        return undefined;
      case 'numeric':
        return this.numeric(arg, at);
      case 'anything-but':
        return this.anythingBut(arg, at);
      default:
        this.problem(
          path,
          `unknown operator ${show(op)}: use prefix, suffix, equals-ignore-case, anything-but, numeric or exists`,
        );
        return undefined;
    }
  }

  numeric(arg: unknown, path: FilterPath): Rule | undefined {
    if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
      this.problem(path, `must be [op, number] or [lower op, number, upper op, number], got ${show(arg)}`);
      return undefined;
    }
    const checks: [NumericOp, number][] = [];
    for (let i = 0; i < arg.length; i += 2) {
      const op = arg[i];
      const n = arg[i + 1];
      if (typeof op !== 'string' || !NUMERIC_OPS.has(op)) {
        this.problem([...path, i], `must be one of =, <, <=, >, >=, got ${show(op)}`);
        return undefined;
      }
      if (typeof n !== 'number' || !Number.isFinite(n)) {
        this.problem([...path, i + 1], `must be a finite number, got ${show(n)}`);
        return undefined;
      }
      checks.push([op as NumericOp, n]);
    }
    const [first, second] = checks;
    if (second && first) {
      if (!LOWER_OPS.has(first[0]) || !UPPER_OPS.has(second[0])) {
        this.problem(path, 'a range is a lower bound (> or >=) followed by an upper bound (< or <=)');
        return undefined;
      }
      if (first[1] > second[1]) {
        this.problem(
          path,
          `the lower bound ${first[1]} is above the upper bound ${second[1]}: it matches nothing`,
        );
        return undefined;
      }
    }
    return { kind: 'numeric', checks };
  }

  anythingBut(arg: unknown, path: FilterPath): Rule | undefined {
    const values = Array.isArray(arg) ? arg : [arg];
    if (values.length === 0) {
      this.problem(path, 'must name at least one value');
      return undefined;
    }
    if (isRecord(arg)) {
      const keys = Object.keys(arg);
      const op = keys[0];
      if (keys.length !== 1 || (op !== 'prefix' && op !== 'suffix' && op !== 'equals-ignore-case')) {
        this.problem(
          path,
          'an anything-but object takes exactly one of prefix, suffix or equals-ignore-case',
        );
        return undefined;
      }
      const inner = this.rule(arg, path);
      return inner ? { kind: 'anythingBut', not: [inner] } : undefined;
    }
    const not: Rule[] = [];
    values.forEach((v, i) => {
      if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
        not.push({ kind: 'equals', value: v });
      else this.problem([...path, i], `anything-but values must be strings or numbers, got ${show(v)}`);
    });
    return { kind: 'anythingBut', not };
  }
}

/** Compiles one pattern: an object, or its JSON text (as Lambda's `Filters[].Pattern`). */
export function compilePattern(pattern: unknown, path: FilterPath = []): CompileResult {
  const compiler = new Compiler();
  let value = pattern;
  if (typeof pattern === 'string') {
    try {
      value = JSON.parse(pattern);
    } catch (error) {
      return { ok: false, problems: [{ path, message: `not valid JSON (${(error as Error).message})` }] };
    }
  }
  if (!isRecord(value))
    return {
      ok: false,
      problems: [{ path, message: `must be a pattern object such as {"body": {...}}, got ${show(value)}` }],
    };
  const node = compiler.object(value, path, true);
  return compiler.problems.length > 0
    ? { ok: false, problems: compiler.problems }
    : { ok: true, pattern: node };
}
