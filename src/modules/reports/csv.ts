// RFC 4180 CSV, produced row by row so a report is streamed to the client instead of built as one
// string. UTF-8 with a byte-order mark so spreadsheet programs show non-ASCII names correctly.
export interface Column<R> {
  /** header cell (the same name as the JSON field) */
  header: string;
  value: (row: R) => string | number | boolean | null | undefined;
}

/** One CSV field: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  // A text cell starting with = + - @ (or tab/CR) is a formula to spreadsheet programs ("CSV
  // injection"); a leading apostrophe keeps it text. Numbers are left alone.
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: (string | number | boolean | null | undefined)[]): string => `${cells.map(csvField).join(',')}\r\n`;

export const UTF8_BOM = '\uFEFF';

/** Header line, then one line per row, as an async iterable for `Readable.from`. */
export async function* csvLines<R>(columns: Column<R>[], rows: Iterable<R> | AsyncIterable<R>): AsyncGenerator<string> {
  yield UTF8_BOM + csvLine(columns.map((c) => c.header));
  for await (const row of rows) yield csvLine(columns.map((c) => c.value(row)));
}
