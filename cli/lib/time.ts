/**
 * Parsing of the time and rate arguments: `--since 2h`, `--until 2026-11-27T10:00:00Z`, `--rate 50`.
 */
import { badInput } from '../errors.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `30s`, `5m`, `2h`, `7d` → milliseconds. */
export function parseDurationMs(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m)
    throw badInput(`${what}: ${JSON.stringify(text)} is not a duration (use e.g. 500ms, 30s, 5m, 2h, 7d)`);
  return Math.round(Number(m[1]) * (UNIT_MS[m[2] as string] ?? 1));
}

/** A duration that must be above zero (a timeout): `500ms`, `30s`, `2m`. */
export function parseTimeoutMs(text: string, what: string): number {
  const ms = parseDurationMs(text, what);
  if (ms <= 0) throw badInput(`${what}: ${JSON.stringify(text)} must be above zero`);
  return ms;
}

/** A point in time: a duration ago (`2h`), an ISO date/time, or epoch milliseconds. */
export function parseTimeArg(text: string, nowMs: number, what: string): number {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d)$/.test(t)) return nowMs - parseDurationMs(t, what);
  if (/^\d{12,}$/.test(t)) return Number(t);
  const parsed = Date.parse(t);
  if (Number.isNaN(parsed)) {
    throw badInput(
      `${what}: ${JSON.stringify(text)} is not a time (use a duration ago like 2h, an ISO time like 2026-11-27T10:00:00Z, or epoch ms)`,
    );
  }
  return parsed;
}

export function parsePositiveNumber(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw badInput(`${what}: ${JSON.stringify(text)} must be a number > 0`);
  return n;
}

export function parsePositiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0)
    throw badInput(`${what}: ${JSON.stringify(text)} must be an integer > 0`);
  return n;
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
