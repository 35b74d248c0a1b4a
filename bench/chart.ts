/**
 * A hand-written SVG bar chart for docs/benchmarks: one panel per workload, one horizontal bar per
 * system (the median) with a min–max whisker and the value printed at the end. No dependencies, so
 * the benchmark output renders on GitHub as is.
 */
import { formatNumber } from './stats.ts';

export interface ChartBar {
  readonly label: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Colour family: bars of the same kind share a colour. */
  readonly kind: string;
}

export interface ChartPanel {
  readonly title: string;
  readonly bars: readonly ChartBar[];
}

export interface ChartInput {
  readonly title: string;
  readonly subtitle?: string;
  readonly unit: string;
  readonly panels: readonly ChartPanel[];
}

const PALETTE = ['#2563eb', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be123c', '#4d7c0f', '#a16207'];

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** A "nice" axis maximum (1, 2, 2.5 or 5 × a power of ten) at or above `value`. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

const WIDTH = 960;
/** Room for the longest label at about 6.8 px per character of 12 px sans-serif, within bounds. */
export function labelWidthFor(labels: readonly string[]): number {
  const longest = Math.max(0, ...labels.map((l) => l.length));
  return Math.min(380, Math.max(160, Math.ceil(longest * 6.8) + 24));
}
const VALUE_ROOM = 150;
const BAR_HEIGHT = 18;
const ROW_HEIGHT = 26;
const PANEL_GAP = 46;

/** Renders the chart as a standalone SVG document. Bars are scaled per panel. */
export function renderBarChart(input: ChartInput): string {
  const kinds = [...new Set(input.panels.flatMap((p) => p.bars.map((b) => b.kind)))];
  const colour = (kind: string) => PALETTE[kinds.indexOf(kind) % PALETTE.length] ?? PALETTE[0];
  const LABEL_WIDTH = labelWidthFor(input.panels.flatMap((p) => p.bars.map((b) => b.label)));
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_ROOM;
  const out: string[] = [];
  let y = input.subtitle ? 62 : 46;
  for (const panel of input.panels) {
    const axisMax = niceCeiling(Math.max(0, ...panel.bars.map((b) => Math.max(b.max, b.median))));
    const scale = (v: number) => (Math.max(0, v) / axisMax) * plotWidth;
    out.push(
      `<text x="16" y="${y}" class="panel">${escapeXml(panel.title)}</text>`,
      ...[0, 0.25, 0.5, 0.75, 1].map((f) => {
        const x = LABEL_WIDTH + f * plotWidth;
        const bottom = y + 10 + panel.bars.length * ROW_HEIGHT;
        return (
          `<line x1="${x.toFixed(1)}" y1="${y + 8}" x2="${x.toFixed(1)}" y2="${bottom}" class="grid"/>` +
          `<text x="${x.toFixed(1)}" y="${bottom + 14}" class="tick">${escapeXml(formatNumber(axisMax * f))}</text>`
        );
      }),
    );
    panel.bars.forEach((bar, i) => {
      const top = y + 12 + i * ROW_HEIGHT;
      const mid = top + BAR_HEIGHT / 2;
      const width = scale(bar.median);
      out.push(
        `<text x="${LABEL_WIDTH - 8}" y="${mid + 4}" class="label">${escapeXml(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${top}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${colour(bar.kind)}"/>`,
      );
      if (bar.max > bar.min) {
        const x1 = LABEL_WIDTH + scale(bar.min);
        const x2 = LABEL_WIDTH + scale(bar.max);
        out.push(
          `<line x1="${x1.toFixed(1)}" y1="${mid}" x2="${x2.toFixed(1)}" y2="${mid}" class="whisker"/>`,
          `<line x1="${x1.toFixed(1)}" y1="${mid - 5}" x2="${x1.toFixed(1)}" y2="${mid + 5}" class="whisker"/>`,
          `<line x1="${x2.toFixed(1)}" y1="${mid - 5}" x2="${x2.toFixed(1)}" y2="${mid + 5}" class="whisker"/>`,
        );
      }
      const valueX = LABEL_WIDTH + Math.max(width, scale(bar.max)) + 8;
      out.push(
        `<text x="${valueX.toFixed(1)}" y="${mid + 4}" class="value">${escapeXml(formatNumber(bar.median))}</text>`,
      );
    });
    y += 12 + panel.bars.length * ROW_HEIGHT + PANEL_GAP;
  }
  const height = y - PANEL_GAP + 40;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(input.title)}">`,
    '<style>',
    'text{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:12px;fill:#1f2937}',
    '.title{font-size:17px;font-weight:600}.subtitle{fill:#4b5563}.panel{font-size:14px;font-weight:600}',
    '.label{text-anchor:end}.tick{text-anchor:middle;fill:#6b7280;font-size:11px}.value{font-variant-numeric:tabular-nums}',
    '.grid{stroke:#e5e7eb}.whisker{stroke:#111827;stroke-width:1.4}',
    '</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" class="title">${escapeXml(input.title)}</text>`,
    input.subtitle ? `<text x="16" y="46" class="subtitle">${escapeXml(input.subtitle)}</text>` : '',
    ...out,
    `<text x="${WIDTH - 16}" y="${height - 12}" class="tick" style="text-anchor:end">${escapeXml(
      `${input.unit}: bar = median, whisker = min–max`,
    )}</text>`,
    '</svg>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}
