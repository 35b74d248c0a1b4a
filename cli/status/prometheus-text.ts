/**
 * A parser for the Prometheus text exposition format (version 0.0.4): samples with their labels.
 * Comments and type lines are skipped; histogram series come out as their `_bucket`/`_sum`/`_count`.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  return Number(text);
}

/** Parses one `{a="x",b="y"}` block starting at `i` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const eq = line.indexOf('=', i);
    if (eq < 0) throw new Error('label without =');
    const name = line.slice(i, eq).trim();
    i = eq + 1;
    if (line[i] !== '"') throw new Error(`label ${name} value is not quoted`);
    i++;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new Error(`label ${name} value is not terminated`);
      if (c === '\\') {
        const n = line[i + 1];
        value += n === 'n' ? '\n' : (n ?? '');
        i += 2;
        continue;
      }
      if (c === '"') {
        i++;
        break;
      }
      value += c;
      i++;
    }
    labels[name] = value;
  }
}

/** Parses the exposition text. Lines that do not parse are returned in `invalid`, not thrown. */
export function parsePrometheusText(text: string): { samples: Sample[]; invalid: string[] } {
  const samples: Sample[] = [];
  const invalid: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    try {
      const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
      if (!m) throw new Error('no metric name');
      const name = m[0];
      let rest = line.slice(name.length);
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) {
        const parsed = parseLabels(rest, 0);
        labels = parsed.labels;
        rest = rest.slice(parsed.end);
      }
      const [valueText] = rest.trim().split(/\s+/);
      if (!valueText) throw new Error('no value');
      const value = parseValue(valueText);
      if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`bad value ${valueText}`);
      samples.push({ name, labels, value });
    } catch {
      invalid.push(raw);
    }
  }
  return { samples, invalid };
}

/** Sums the samples of `name` whose labels match `where` (a predicate per label). */
export function sumWhere(
  samples: readonly Sample[],
  name: string,
  where: Readonly<Record<string, (value: string | undefined) => boolean>> = {},
): number | undefined {
  let total: number | undefined;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (!Object.entries(where).every(([label, ok]) => ok(s.labels[label]))) continue;
    total = (total ?? 0) + s.value;
  }
  return total;
}
