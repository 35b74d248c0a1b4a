import { describe, expect, it } from 'vitest';
import { escapeXml, labelWidthFor, niceCeiling, renderBarChart } from '../../../bench/chart.ts';

describe('niceCeiling', () => {
  it('rounds up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(12_000)).toBe(20_000);
    expect(niceCeiling(21_000)).toBe(25_000);
    expect(niceCeiling(49_000)).toBe(50_000);
    expect(niceCeiling(100)).toBe(100);
    expect(niceCeiling(0)).toBe(1);
  });
});

describe('renderBarChart', () => {
  const svg = renderBarChart({
    title: 'msgs/s <by> system & batch',
    unit: 'msgs/s',
    panels: [
      {
        title: '200 B',
        bars: [
          { label: 'bridge batch 100', median: 40_000, min: 35_000, max: 45_000, kind: 'bridge' },
          { label: 'nsq_to_http', median: 5_000, min: 5_000, max: 5_000, kind: 'nsq_to_http' },
        ],
      },
      {
        title: '10 KiB',
        bars: [{ label: 'bridge batch 100', median: 9_000, min: 8_000, max: 9_500, kind: 'bridge' }],
      },
    ],
  });

  it('is a standalone SVG document with escaped text', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('msgs/s &lt;by&gt; system &amp; batch');
    expect(svg).not.toContain('<by>');
  });

  it('draws one bar per system, scaled to the panel axis (50,000 → full width)', () => {
    const labelWidth = labelWidthFor(['bridge batch 100', 'nsq_to_http']);
    const widths = [
      ...svg.matchAll(new RegExp(`<rect x="${labelWidth}" y="\\d+" width="([\\d.]+)"`, 'g')),
    ].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    // Plot width is 960 - label column - 150; axis 50,000 in the first panel, 10,000 in the second.
    const plot = 960 - labelWidth - 150;
    expect(widths[0]).toBeCloseTo((40_000 / 50_000) * plot, 0);
    expect(widths[1]).toBeCloseTo((5_000 / 50_000) * plot, 0);
    expect(widths[2]).toBeCloseTo((9_000 / 10_000) * plot, 0);
  });

  it('makes the label column wide enough for the longest label, within bounds', () => {
    expect(labelWidthFor(['nsq_to_http -n 400 --max-in-flight 1000'])).toBeGreaterThan(39 * 6.5);
    expect(labelWidthFor(['a'])).toBe(160);
    expect(labelWidthFor(['x'.repeat(200)])).toBe(380);
  });

  it('draws a min–max whisker only where the runs differ, and prints the medians', () => {
    expect(svg.match(/class="whisker"/g)).toHaveLength(2 * 3);
    expect(svg).toContain('>40,000<');
    expect(svg).toContain('>5,000<');
  });

  it('gives bars of the same kind the same colour', () => {
    const fills = [...svg.matchAll(/<rect x="\d+" y="\d+" [^>]*fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(fills[0]).toBe(fills[2]);
    expect(fills[0]).not.toBe(fills[1]);
  });

  it('escapes every XML special character', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
