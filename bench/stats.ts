/**
 * Small statistics helpers for the benchmark: percentiles of samples and the median/min/max summary
 * reported for repeated runs. Pure functions, no I/O.
 */

/** Median, min and max of repeated measurements of one figure. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many measurements the summary covers. */
  readonly count: number;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of `values`, with linear interpolation between the two closest ranks
 * (the "R-7" definition spreadsheets use). Throws on an empty list or a q outside [0, 1].
 */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError('quantile of an empty list');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Median, min and max; undefined for an empty list (a figure nobody measured). */
export function spread(values: readonly number[]): Spread | undefined {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return undefined;
  return {
    median: median(finite),
    min: Math.min(...finite),
    max: Math.max(...finite),
    count: finite.length,
  };
}

/** Rounds to `digits` significant digits, for tables (0 stays 0). */
export function significant(value: number, digits = 3): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(digits));
}

/** Formats a number for a table: thousands separators, `digits` significant digits for small values. */
export function formatNumber(value: number | undefined, digits = 3): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const rounded = Math.abs(value) >= 10 ** digits ? Math.round(value) : significant(value, digits);
  return rounded.toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** `median (min–max)`, or `median` alone when every run gave the same value or there was one run. */
export function formatSpread(s: Spread | undefined, digits = 3): string {
  if (!s) return '–';
  const m = formatNumber(s.median, digits);
  if (s.count < 2 || s.min === s.max) return m;
  return `${m} (${formatNumber(s.min, digits)}–${formatNumber(s.max, digits)})`;
}
