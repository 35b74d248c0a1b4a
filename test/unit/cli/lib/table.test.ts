import { describe, expect, it } from 'vitest';
import { renderTable } from '#cli/lib/table';

describe('renderTable', () => {
  it('pads columns, right-aligns numbers, cuts long cells and flattens newlines', () => {
    const text = renderTable(
      [{ header: 'NAME' }, { header: 'N', align: 'right' }, { header: 'NOTE', maxWidth: 8 }],
      [
        ['a', '1', 'short'],
        ['longer-name', '1234', 'a very long note\nwith a newline'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'NAME            N  NOTE',
      'a               1  short',
      'longer-name  1234  a very…',
    ]);
  });

  it('renders only the header without rows', () => {
    expect(renderTable([{ header: 'A' }, { header: 'B' }], [])).toBe('A  B');
  });
});
