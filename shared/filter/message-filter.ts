/**
 * A subscription's `filters`, compiled once: a message is kept when it matches at least one pattern
 * (patterns OR, as in Lambda's FilterCriteria). No filters keeps every message.
 */
import { FilterPatternError } from '#shared/errors';
import { compilePattern, type FilterProblem, type ObjectNode } from './compile-pattern.ts';
import { filterableBody, matchObject } from './match-pattern.ts';

export interface MessageFilter {
  /** True when the body matches one of the patterns (or there are none). */
  matches(body: Buffer | string): boolean;
}

/** Every problem of every pattern, each path starting with the pattern's index. */
export function filterProblems(patterns: readonly unknown[]): FilterProblem[] {
  return patterns.flatMap((p, i) => {
    const result = compilePattern(p, [i]);
    return result.ok ? [] : [...result.problems];
  });
}

/** `filters.0.body.price: message` */
export function formatFilterProblem(p: FilterProblem, root = 'filters'): string {
  return `${[root, ...p.path].join('.')}: ${p.message}`;
}

/** Compiles the patterns; throws a `FilterPatternError` listing every problem. */
export function compileFilters(patterns: readonly unknown[] | undefined, root = 'filters'): MessageFilter {
  if (patterns === undefined || patterns.length === 0) return { matches: () => true };
  const compiled: ObjectNode[] = [];
  const problems: string[] = [];
  patterns.forEach((p, i) => {
    const result = compilePattern(p, [i]);
    if (result.ok) compiled.push(result.pattern);
    else problems.push(...result.problems.map((problem) => formatFilterProblem(problem, root)));
  });
  if (problems.length > 0) throw new FilterPatternError(problems);
  return {
    matches(body) {
      const record = { body: filterableBody(body) };
      return compiled.some((node) => matchObject(node, record));
    },
  };
}
