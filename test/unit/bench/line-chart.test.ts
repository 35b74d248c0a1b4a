import { describe, expect, it } from 'vitest';
import { polyline, renderLineChart } from '../../../bench/line-chart.ts';

describe('polyline', () => {
  it('scales points into the box, y up from the bottom, and drops points beyond the x axis', () => {
    const box = { x: 10, y: 20, width: 100, height: 50 };
    expect(
      polyline(
        [
          [0, 0],
          [50, 25],
          [100, 50],
          [150, 10],
        ],
        box,
        100,
        50,
      ),
    ).toBe('M10.0,70.0 L60.0,45.0 L110.0,20.0');
  });
});

describe('renderLineChart', () => {
  const svg = renderLineChart({
    title: 'Soak <1M> & more',
    markers: [
      { x: 7, label: '10 %' },
      { x: 1_000, label: 'off the axis' },
    ],
    xLabel: 'seconds',
    panels: [
      {
        title: 'memory (MiB)',
        series: [
          {
            label: 'RSS',
            points: [
              [5, 100],
              [10, 101],
            ],
          },
          {
            label: 'heap used',
            points: [
              [5, 40],
              [10, 41],
            ],
          },
        ],
      },
      { title: 'msgs/s', series: [{ label: 'msgs/s', points: [] }] },
    ],
  });

  it('is one SVG document with escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('Soak &lt;1M&gt; &amp; more');
  });

  it('draws one path per series with points, and a legend per series', () => {
    expect(svg.match(/<path /g)).toHaveLength(2);
    for (const label of ['RSS', 'heap used', 'msgs/s']) expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain('memory (MiB)');
  });

  it('draws each marker inside the x axis across every panel, labelled once', () => {
    expect(svg.match(/class="marker"/g)).toHaveLength(2);
    expect(svg.match(/>10 %<\/text>/g)).toHaveLength(1);
    expect(svg).not.toContain('off the axis');
  });
});
