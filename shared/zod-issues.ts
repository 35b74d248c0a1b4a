/**
 * The one way to turn zod issues into problems a person reads: `path.to.field: message`, `(root)` for
 * the value itself, after an optional prefix naming where the value came from (`nsqLambda.`).
 * Every config, option and contract check lists its problems through this.
 */
/** What the formatter reads of an issue: a zod issue, or a custom rule's issue of the same shape. */
export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export function formatZodIssue(issue: IssueLike, prefix = ''): string {
  return `${prefix}${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`;
}

/** Every issue, one problem each, in zod's order. */
export function formatZodIssues(issues: readonly IssueLike[], prefix = ''): string[] {
  return issues.map((i) => formatZodIssue(i, prefix));
}
