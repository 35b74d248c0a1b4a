/**
 * A hand-written SVG line chart (the soak's figures over time): panels stacked vertically, each with
 * its own y axis from 0 and one or more series over a shared x axis. Same style and helpers as the bar
 * chart (chart.ts), no dependencies, so it renders on GitHub as is.
 */
import { escapeXml, niceCeiling } from './chart.ts';
import { formatNumber } from './stats.ts';

export interface LineSeries {
  readonly label: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface LinePanel {
  readonly title: string;
  readonly series: readonly LineSeries[];
}

export interface LineChartInput {
  readonly title: string;
  readonly subtitle?: string;
  readonly xLabel: string;
  readonly panels: readonly LinePanel[];
  /** Dashed vertical lines across every panel (e.g. where drift is measured from). */
  readonly markers?: ReadonlyArray<{ readonly x: number; readonly label: string }>;
}

const PALETTE = ['#2563eb', '#ea580c', '#16a34a', '#9333ea'];
const WIDTH = 960;
const LEFT = 80;
const RIGHT = 24;
const PANEL_HEIGHT = 150;
const PANEL_GAP = 58;

/** The SVG path of `points` scaled into the plot box (points outside the x range are dropped). */
export function polyline(
  points: ReadonlyArray<readonly [number, number]>,
  box: { x: number; y: number; width: number; height: number },
  xMax: number,
  yMax: number,
): string {
  const finite = points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && x <= xMax);
  return finite
    .map(([x, y], i) => {
      const px = box.x + (xMax > 0 ? (x / xMax) * box.width : 0);
      const py = box.y + box.height - (yMax > 0 ? (Math.max(0, y) / yMax) * box.height : 0);
      return `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`;
    })
    .join(' ');
}

export function renderLineChart(input: LineChartInput): string {
  const xMax = niceCeiling(
    Math.max(0, ...input.panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x)))),
  );
  const plotWidth = WIDTH - LEFT - RIGHT;
  const out: string[] = [];
  let y = input.subtitle ? 70 : 54;
  for (const [index, panel] of input.panels.entries()) {
    const yMax = niceCeiling(
      Math.max(0, ...panel.series.flatMap((s) => s.points.map(([, v]) => (Number.isFinite(v) ? v : 0)))),
    );
    const box = { x: LEFT, y: y + 10, width: plotWidth, height: PANEL_HEIGHT };
    out.push(`<text x="16" y="${y}" class="panel">${escapeXml(panel.title)}</text>`);
    for (const f of [0, 0.25, 0.5, 0.75, 1]) {
      const gy = box.y + box.height - f * box.height;
      out.push(
        `<line x1="${LEFT}" y1="${gy.toFixed(1)}" x2="${LEFT + plotWidth}" y2="${gy.toFixed(1)}" class="grid"/>`,
        `<text x="${LEFT - 6}" y="${(gy + 4).toFixed(1)}" class="ytick">${escapeXml(formatNumber(yMax * f))}</text>`,
      );
      const gx = LEFT + f * plotWidth;
      out.push(
        `<text x="${gx.toFixed(1)}" y="${box.y + box.height + 14}" class="tick">${escapeXml(formatNumber(xMax * f))}</text>`,
      );
    }
    for (const marker of input.markers ?? []) {
      if (!(marker.x >= 0 && marker.x <= xMax)) continue;
      const mx = LEFT + (xMax > 0 ? (marker.x / xMax) * plotWidth : 0);
      out.push(
        `<line x1="${mx.toFixed(1)}" y1="${box.y}" x2="${mx.toFixed(1)}" y2="${box.y + box.height}" class="marker"/>`,
      );
      // Labelled once, in the first panel.
      if (index === 0)
        out.push(
          `<text x="${(mx + 4).toFixed(1)}" y="${box.y + 12}" class="mlabel">${escapeXml(marker.label)}</text>`,
        );
    }
    panel.series.forEach((series, i) => {
      const colour = PALETTE[i % PALETTE.length];
      const d = polyline(series.points, box, xMax, yMax);
      if (d) out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.6"/>`);
      const lx = LEFT + plotWidth - 8 - i * 200;
      out.push(
        `<text x="${lx}" y="${y}" class="legend" style="fill:${colour}">${escapeXml(series.label)}</text>`,
      );
    });
    y += 10 + PANEL_HEIGHT + PANEL_GAP;
  }
  const height = y - PANEL_GAP + 44;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeXml(input.title)}">`,
    '<style>',
    'text{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;font-size:12px;fill:#1f2937}',
    '.title{font-size:17px;font-weight:600}.subtitle{fill:#4b5563}.panel{font-size:14px;font-weight:600}',
    '.tick{text-anchor:middle;fill:#6b7280;font-size:11px}.ytick{text-anchor:end;fill:#6b7280;font-size:11px}',
    '.legend{text-anchor:end;font-weight:600}.grid{stroke:#e5e7eb}',
    '.marker{stroke:#6b7280;stroke-dasharray:4 3}.mlabel{fill:#6b7280;font-size:11px}',
    '</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" class="title">${escapeXml(input.title)}</text>`,
    input.subtitle ? `<text x="16" y="46" class="subtitle">${escapeXml(input.subtitle)}</text>` : '',
    ...out,
    `<text x="${LEFT + plotWidth / 2}" y="${height - 12}" class="tick">${escapeXml(input.xLabel)}</text>`,
    '</svg>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n');
}
