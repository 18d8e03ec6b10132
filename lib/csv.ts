/**
 * Splits CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into rows of fields, each
 * with the line it started on.
 */
export function* parseCsv(text: string): Generator<{ line: number; fields: string[] }> {
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark from spreadsheet exports
  for (; i < n; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') (field += '"'), i++;
        else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") fields.push(field), (field = "");
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      fields.push(field);
      if (fields.length > 1 || fields[0] !== "") yield { line: start, fields };
      fields = [];
      field = "";
      start = ++line;
    } else field += ch;
  }
  if (field !== "" || fields.length) {
    fields.push(field);
    yield { line: start, fields };
  }
}

/**
 * A CSV cell as a JSON value: integers and decimals become numbers, true/false booleans, the
 * rest stays text; an empty cell is absent (undefined). Numbers with leading zeros stay text,
 * so ids and phone hashes keep their form.
 */
export function csvValue(s: string): unknown {
  if (s === "") return undefined;
  if (s === "true" || s === "false") return s === "true";
  if (/^-?(0|[1-9]\d{0,14})(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

export type CsvRecord = { line: number; cells: [column: string, raw: string][] } | { line: number; error: { code: string; message: string } };

/**
 * The records of a CSV file with a header row, as (column, cell) pairs; a row of the wrong width is
 * an error record. `checkHeader` may throw to refuse a header.
 */
export function* csvRecords(text: string, checkHeader?: (columns: string[]) => void): Generator<CsvRecord> {
  let header: string[] | undefined;
  for (const { line, fields } of parseCsv(text)) {
    if (!header) {
      header = fields.map((f) => f.trim());
      checkHeader?.(header);
      continue;
    }
    if (fields.length !== header.length)
      yield { line, error: { code: "column_count", message: `expected ${header.length} columns, got ${fields.length}` } };
    else yield { line, cells: header.map((col, i) => [col, fields[i]!] as [string, string]) };
  }
}
