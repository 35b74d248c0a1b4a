/**
 * The Prometheus text exposition format, version 0.0.4, of metric snapshots (served at `/metrics`).
 */
import type { MetricSnapshot } from './metric-kinds.ts';

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function formatLabels(labels: Readonly<Record<string, string>>, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Every metric as Prometheus text: HELP, TYPE, its series (histograms cumulative, with +Inf, sum, count). */
export function renderPrometheusText(metrics: readonly MetricSnapshot[]): string {
  const lines: string[] = [];
  for (const m of metrics) {
    lines.push(`# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${m.name} ${m.type}`);
    for (const s of m.series) {
      if (m.type !== 'histogram') {
        lines.push(`${m.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
        continue;
      }
      let cumulative = 0;
      const buckets = m.buckets ?? [];
      for (let i = 0; i <= buckets.length; i++) {
        cumulative += s.bucketCounts?.[i] ?? 0;
        const le = i < buckets.length ? formatValue(buckets[i] as number) : '+Inf';
        lines.push(`${m.name}_bucket${formatLabels(s.labels, ['le', le])} ${cumulative}`);
      }
      lines.push(`${m.name}_sum${formatLabels(s.labels)} ${formatValue(s.sum ?? 0)}`);
      lines.push(`${m.name}_count${formatLabels(s.labels)} ${s.count ?? 0}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
