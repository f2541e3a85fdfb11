// Export to the original Prescripto's shape: users.json, doctors.json and appointments.json as
// mongoexport writes them (one Extended JSON document per line), ready for `mongoimport`. Rows are
// read in keyset pages by id and written with back-pressure, so memory stays bounded.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { EJSON } from 'bson';
import type { Database } from '../../db/client.js';
import { appointmentDocument, doctorDocument, userDocument, type Collection } from './mapping.js';
import { appointmentPage, doctorPage, legacySlotsBooked, openSession, patientPage, type Session } from './repo.js';

export interface ExportOptions {
  folder: string;
  /** canonical Extended JSON (`{"$numberInt": "500"}`) instead of relaxed (`500`), like `mongoexport --jsonFormat=canonical` */
  canonical?: boolean;
  pageSize?: number;
  onProgress?: (collection: Collection, written: number) => void;
}

export type ExportSummary = Record<Collection, { file: string; written: number }>;

async function writeLine(out: WriteStream, line: string): Promise<void> {
  if (!out.write(line + '\n')) await once(out, 'drain');
}

async function close(out: WriteStream): Promise<void> {
  out.end();
  await once(out, 'finish');
}

export async function exportMongo(database: Database, opts: ExportOptions): Promise<ExportSummary> {
  mkdirSync(opts.folder, { recursive: true });
  const pageSize = opts.pageSize ?? 1000;
  const session = await openSession(database);
  const stringify = (doc: Record<string, unknown>) => EJSON.stringify(doc, { relaxed: !opts.canonical });
  const summary = {} as ExportSummary;
  try {
    // One snapshot for the three files: an appointment never names a patient the users file lacks.
    await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const each = async <R extends { id: string }>(
      c: Collection,
      page: (s: Session, after: string, limit: number) => Promise<R[]>,
      toDocs: (rows: R[]) => Promise<Record<string, unknown>[]>,
    ) => {
      const file = path.join(opts.folder, `${c}.json`);
      const out = createWriteStream(file, { encoding: 'utf8' });
      let written = 0;
      try {
        for (let after = ''; ; ) {
          const rows = await page(session, after, pageSize);
          if (rows.length === 0) break;
          for (const doc of await toDocs(rows)) await writeLine(out, stringify(doc));
          written += rows.length;
          after = rows[rows.length - 1].id;
          opts.onProgress?.(c, written);
        }
      } finally {
        await close(out);
      }
      summary[c] = { file, written };
    };
    await each('users', patientPage, async (rows) => rows.map(userDocument));
    await each('doctors', doctorPage, async (rows) => {
      const slots = await legacySlotsBooked(session, rows.map((r) => r.id));
      return rows.map((r) => doctorDocument(r, slots.get(r.id) ?? {}));
    });
    await each('appointments', appointmentPage, async (rows) => rows.map(appointmentDocument));
    await session.query('COMMIT');
  } catch (err) {
    await session.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    session.release();
  }
  return summary;
}
