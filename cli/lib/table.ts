/**
 * Plain-text tables for human output: padded columns, numbers right-aligned, no colours.
 */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
  /** Cells longer than this are cut with an ellipsis. */
  readonly maxWidth?: number;
}

function cut(text: string, max: number | undefined): string {
  if (max === undefined || text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const cells = rows.map((r) =>
    columns.map((c, i) => cut((r[i] ?? '').replace(/[\r\n\t]+/g, ' '), c.maxWidth)),
  );
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]?.length ?? 0)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0;
        return columns[i]?.align === 'right' ? v.padStart(w) : v.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}
