/**
 * Reads CloudWatch embedded metric format (EMF) documents out of a process's output and checks each
 * against the specification (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
 * CloudWatch_Embedded_Metric_Format_Specification.html): `_aws.Timestamp` (integer ms) and
 * `_aws.CloudWatchMetrics` (MetricDirectives: Namespace, Dimensions = DimensionSets whose keys are root
 * members with string values, Metrics = at most 100 MetricDefinitions with a Name and a valid Unit), and
 * every metric's value at the top level: a number or an array of at most 100 numbers; or `{ Values,
 * Counts }` of equal length, the histogram form AWS's own EMF library (awslabs/metrique) writes and
 * CloudWatch extracts.
 */
export const EMF_UNITS: ReadonlySet<string> = new Set(
  [
    'Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits',
    'Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second',
    'Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second',
    'Terabits/Second Count/Second None',
  ]
    .join(' ')
    .split(' '),
);

export type EmfDocument = Record<string, unknown> & {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit?: string }>;
    }>;
  };
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumberArray = (v: unknown, max: number): v is number[] =>
  Array.isArray(v) && v.length <= max && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Every problem with `doc` as an EMF document (empty when it is valid). */
export function emfProblems(doc: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return ['not a JSON object'];
  const aws = doc._aws;
  if (!isObject(aws)) return ['_aws: missing or not an object'];
  if (!Number.isInteger(aws.Timestamp)) problems.push('_aws.Timestamp: not an integer (ms since the epoch)');
  const directives = aws.CloudWatchMetrics;
  if (!Array.isArray(directives) || directives.length === 0)
    return [...problems, '_aws.CloudWatchMetrics: missing or empty'];
  directives.forEach((d, i) => {
    const at = `_aws.CloudWatchMetrics[${i}]`;
    if (!isObject(d)) {
      problems.push(`${at}: not an object`);
      return;
    }
    if (typeof d.Namespace !== 'string' || d.Namespace.length < 1 || d.Namespace.length > 255)
      problems.push(`${at}.Namespace: not a string of 1 to 255 characters`);
    if (!Array.isArray(d.Dimensions) || d.Dimensions.length === 0)
      problems.push(`${at}.Dimensions: missing or empty`);
    else
      d.Dimensions.forEach((set: unknown, j) => {
        if (!Array.isArray(set) || set.length > 30) {
          problems.push(`${at}.Dimensions[${j}]: not an array of at most 30 keys`);
          return;
        }
        for (const key of set) {
          if (typeof key !== 'string' || key.length < 1 || key.length > 255)
            problems.push(
              `${at}.Dimensions[${j}]: key ${JSON.stringify(key)} is not a string of 1 to 255 characters`,
            );
          else if (typeof doc[key] !== 'string')
            problems.push(`dimension ${key}: no string value at the top level`);
        }
      });
    if (!Array.isArray(d.Metrics) || d.Metrics.length === 0 || d.Metrics.length > 100) {
      problems.push(`${at}.Metrics: not an array of 1 to 100 definitions`);
      return;
    }
    for (const m of d.Metrics as unknown[]) {
      if (!isObject(m) || typeof m.Name !== 'string' || m.Name.length < 1 || m.Name.length > 255) {
        problems.push(`${at}.Metrics: a definition without a Name of 1 to 255 characters`);
        continue;
      }
      if (m.Unit !== undefined && (typeof m.Unit !== 'string' || !EMF_UNITS.has(m.Unit)))
        problems.push(`metric ${m.Name}: unit ${JSON.stringify(m.Unit)} is not a CloudWatch unit`);
      const value = doc[m.Name];
      const histogram =
        isObject(value) &&
        isNumberArray(value.Values, 100) &&
        isNumberArray(value.Counts, 100) &&
        value.Values.length === value.Counts.length &&
        value.Values.length > 0;
      if (!(typeof value === 'number' && Number.isFinite(value)) && !isNumberArray(value, 100) && !histogram)
        problems.push(
          `metric ${m.Name}: top-level value ${JSON.stringify(value)} is not a number, numbers or a histogram`,
        );
    }
  });
  return problems;
}

/** The EMF documents among `output`'s lines (JSON objects with `_aws`); throws listing invalid ones. */
export function emfDocuments(output: string): EmfDocument[] {
  const docs: EmfDocument[] = [];
  const problems: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObject(parsed) || !('_aws' in parsed)) continue;
    const found = emfProblems(parsed);
    if (found.length > 0) problems.push(`${line}\n  ${found.join('\n  ')}`);
    else docs.push(parsed as EmfDocument);
  }
  if (problems.length > 0) throw new Error(`invalid EMF documents:\n${problems.join('\n')}`);
  return docs;
}

/** The sum of a metric over the documents whose dimensions include `dimensions` (counters are deltas). */
export function emfSum(
  docs: readonly EmfDocument[],
  name: string,
  dimensions: Record<string, string> = {},
): number {
  let sum = 0;
  for (const doc of docs) {
    if (!Object.entries(dimensions).every(([k, v]) => doc[k] === v)) continue;
    const value = doc[name];
    if (typeof value === 'number') sum += value;
    else if (Array.isArray(value)) sum += value.reduce((a: number, b: number) => a + b, 0);
  }
  return sum;
}

/** The number of observations of a histogram metric (the sum of its Counts). */
export function emfObservations(docs: readonly EmfDocument[], name: string): number {
  let n = 0;
  for (const doc of docs) {
    const value = doc[name];
    if (isObject(value) && Array.isArray(value.Counts))
      n += (value.Counts as number[]).reduce((a, b) => a + b, 0);
  }
  return n;
}
