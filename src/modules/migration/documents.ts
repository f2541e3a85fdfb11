// Reads a mongoexport file one document at a time, in bounded memory, whichever way it was written:
// JSON lines (the default), a JSON array (`--jsonArray`), pretty-printed (`--pretty`), relaxed or
// canonical Extended JSON. A small scanner finds where each top-level `{…}` ends (tracking strings
// and nesting), so only one document's text is held at once; EJSON (the `bson` package) then turns
// `$oid`, `$date`, `$numberLong`… into values.
import { createReadStream, statSync } from 'node:fs';
import { EJSON } from 'bson';

export interface RawDocument {
  /** 1-based position of the document in the file */
  record: number;
  /** the parsed document, or undefined when its text is not valid Extended JSON */
  doc?: Record<string, unknown>;
  /** why the text could not be read (no document content is included) */
  error?: string;
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const COMMA = 0x2c;

/** Longest single document accepted: MongoDB's own limit is 16 MB of BSON. */
export const MAX_DOCUMENT_CHARS = 32 * 1024 * 1024;

export function fileSize(file: string): number {
  return statSync(file).size;
}

/**
 * Yields every top-level object of the file in order. `onBytes` reports how far the file has been
 * read (for a progress bar). Text between documents other than whitespace, commas and the array's
 * brackets makes the scanner resynchronise at the next line and report that record as unreadable.
 */
export async function* readDocuments(file: string, onBytes?: (bytes: number) => void, chunkSize = 1 << 20): AsyncGenerator<RawDocument> {
  let record = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  let partChars = 0;
  let junk = false;
  let bytes = 0;
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: chunkSize });
  for await (const chunk of stream as AsyncIterable<string>) {
    bytes += Buffer.byteLength(chunk, 'utf8');
    let start = depth > 0 ? 0 : -1;
    let nextBackslash = chunk.indexOf('\\');
    const out: RawDocument[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (depth === 0) {
        if (junk) {
          if (c === 0x0a) junk = false;
          continue;
        }
        if (c === OPEN_BRACE) {
          depth = 1;
          start = i;
          inString = false;
          escaped = false;
        } else if (c <= 0x20 || c === COMMA || c === OPEN_BRACKET || c === CLOSE_BRACKET) {
          continue;
        } else {
          record++;
          out.push({ record, error: 'not a JSON object' });
          junk = true;
        }
        continue;
      }
      if (inString) {
        if (escaped) {
          escaped = false;
          continue;
        }
        // Strings are most of a document: jump to the next quote or backslash instead of stepping.
        const q = chunk.indexOf('"', i);
        // the next backslash is looked up once and kept: most chunks have none, and searching to
        // the end of a 1 MB chunk for every string would cost more than the whole scan
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf('\\', i);
        const b = nextBackslash;
        if (b !== -1 && (q === -1 || b < q)) {
          i = b; // the next character is escaped
          escaped = true;
        } else if (q !== -1) {
          i = q;
          inString = false;
        } else {
          i = chunk.length; // the string goes on in the next chunk
        }
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) {
          parts.push(chunk.slice(start, i + 1));
          record++;
          out.push(parse(parts.join(''), record));
          parts = [];
          partChars = 0;
          start = -1;
        }
      }
    }
    if (depth > 0) {
      const rest = chunk.slice(Math.max(start, 0));
      parts.push(rest);
      partChars += rest.length;
      if (partChars > MAX_DOCUMENT_CHARS) {
        // Not a document but a runaway (an unclosed string or brace): skip to the next line.
        record++;
        out.push({ record, error: `document larger than ${MAX_DOCUMENT_CHARS} characters` });
        parts = [];
        partChars = 0;
        depth = 0;
        junk = true;
      }
    }
    onBytes?.(bytes);
    for (const d of out) yield d;
  }
  if (depth > 0) {
    record++;
    yield { record, error: 'the file ends inside a document' };
  }
}

/**
 * Extended JSON values (`{"$oid": …}`, `{"$date": …}`, `{"$numberLong": …}`…) through EJSON, the
 * rest as plain JSON: EJSON's reviver visits every value and costs five times JSON.parse, while
 * such values are a few per document.
 */
function extended(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = extended(v[i]);
    return v;
  }
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    if (k.charCodeAt(0) === 0x24) return EJSON.deserialize(o, { relaxed: true });
  }
  for (const k in o) o[k] = extended(o[k]);
  return o;
}

function parse(text: string, record: number): RawDocument {
  try {
    const value = extended(JSON.parse(text));
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { record, error: 'not a JSON object' };
    return { record, doc: value as Record<string, unknown> };
  } catch (err) {
    // The parser's message may quote the document's content: keep only its kind.
    return { record, error: err instanceof SyntaxError ? 'invalid JSON' : 'invalid Extended JSON' };
  }
}
