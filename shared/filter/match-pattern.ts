/**
 * Evaluates compiled filter patterns (compile-pattern.ts) against a message body, with EventBridge's
 * semantics as Lambda uses them: fields AND, the rules of one field OR, every `$or` needs one matching
 * alternative, an array value matches when one of its elements does, and a missing field matches only
 * `exists: false`. A body that is a JSON object is matched as JSON; any other body (not JSON, or a JSON
 * array or scalar) is the raw UTF-8 string, which only a rule list (`{"body": [rules]}`) can match, as
 * Lambda treats an SQS body that is not JSON.
 */
import type { FieldNode, ObjectNode, Rule } from './compile-pattern.ts';

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function matchLeaf(rule: Rule, v: unknown): boolean {
  if (typeof v === 'object' && v !== null) return false;
  switch (rule.kind) {
    case 'equals':
      return v === rule.value;
    case 'equalsIgnoreCase':
      return typeof v === 'string' && v.toLowerCase() === rule.lower;
    case 'prefix':
      return typeof v === 'string' && v.startsWith(rule.value);
    case 'suffix':
      return typeof v === 'string' && v.endsWith(rule.value);
    case 'numeric':
      return typeof v === 'number' && rule.checks.every(([op, n]) => compare(op, v, n));
    case 'anythingBut':
      return !rule.not.some((r) => matchLeaf(r, v));
    case 'exists':
      return rule.value;
  }
}

function compare(op: string, v: number, n: number): boolean {
  switch (op) {
    case '=':
      return v === n;
    case '<':
      return v < n;
    case '<=':
      return v <= n;
    case '>':
      return v > n;
    default:
      return v >= n;
  }
}

function matchRule(rule: Rule, present: boolean, v: unknown): boolean {
  if (rule.kind === 'exists') return rule.value ? present && !isRecord(v) : !present;
  if (!present) return false;
  if (Array.isArray(v)) return v.some((e) => matchLeaf(rule, e));
  return matchLeaf(rule, v);
}

function matchField(field: FieldNode, present: boolean, v: unknown): boolean {
  if (field.kind === 'rules') return field.rules.some((r) => matchRule(r, present, v));
  if (!present) return false;
  if (Array.isArray(v)) return v.some((e) => isRecord(e) && matchObject(field.node, e));
  return isRecord(v) && matchObject(field.node, v);
}

/** Whether `value` (an object) matches the compiled pattern object. */
export function matchObject(node: ObjectNode, value: Record<string, unknown>): boolean {
  for (const [key, field] of node.fields) {
    const present = Object.hasOwn(value, key);
    if (!matchField(field, present, present ? value[key] : undefined)) return false;
  }
  return node.ors.every((alternatives) => alternatives.some((alt) => matchObject(alt, value)));
}

/** The value patterns see as `body`: the parsed object for a JSON-object body, else the raw string. */
export function filterableBody(body: Buffer | string): Record<string, unknown> | string {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const first = text.trimStart()[0];
  if (first === '{') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isRecord(parsed)) return parsed;
    } catch {
      // Not JSON: the raw string.
    }
  }
  return text;
}
