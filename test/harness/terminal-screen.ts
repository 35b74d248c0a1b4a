/**
 * What a terminal shows after the bytes a program wrote to it: a small screen model for the escape
 * sequences our progress output and log-update use (cursor up/down, column, erase line, erase to end),
 * every other control sequence ignored. The screen grows downward without scrolling away, so a test can
 * read everything still visible, and what a redraw overwrote is gone as it is on a real screen.
 */
export function renderScreen(output: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = () => {
    while (lines.length <= row) lines.push([]);
    return lines[row] as string[];
  };
  for (let i = 0; i < output.length; i++) {
    const ch = output[i] as string;
    if (ch === '\x1b') {
      const csi = /^\[([?0-9;]*)([A-Za-z])/.exec(output.slice(i + 1, i + 16));
      if (!csi) continue;
      i += csi[0].length;
      const n = Number.parseInt(csi[1] || '1', 10) || 1;
      switch (csi[2]) {
        case 'A':
          row = Math.max(0, row - n);
          break;
        case 'B':
          row += n;
          break;
        case 'G':
          col = n - 1;
          break;
        case 'K':
          if (csi[1] === '2') line().length = 0;
          else line().length = Math.min(line().length, col);
          break;
      }
    } else if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
    } else if (ch >= ' ') {
      const cells = line();
      while (cells.length < col) cells.push(' ');
      cells[col++] = ch;
    }
  }
  return lines.map((cells) => cells.join('').trimEnd());
}

/** Rows of a table rendered with columns separated by two or more spaces, keyed by the header's cells. */
export function readTable(screen: readonly string[], header: RegExp): Record<string, string>[][] {
  const tables: Record<string, string>[][] = [];
  screen.forEach((text, i) => {
    if (!header.test(text)) return;
    const titles = text.trim().split(/\s{2,}/);
    const rows: Record<string, string>[] = [];
    for (const rowText of screen.slice(i + 1)) {
      const cells = rowText.trim().split(/\s{2,}/);
      if (cells.length !== titles.length) break;
      rows.push(Object.fromEntries(titles.map((t, k) => [t, cells[k] ?? ''])));
    }
    tables.push(rows);
  });
  return tables;
}
