// Import of a mongoexport of the original Prescripto: users → patients, doctors → doctors,
// appointments → appointments, streamed in batches. Each batch is one transaction (a dry run puts
// everything in one transaction and rolls it back, so later collections still see the rows earlier
// ones would have written). A batch the database refuses as a whole is retried row by row, each in
// its own savepoint, so one bad row is reported and the others go in.
// Over 300 lines: streaming, batching, the dry run and the row-by-row retry are one control flow
// around the same transaction, read best in one file.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { SchedulingDefaults } from '../../config.js';
import type { Database } from '../../db/client.js';
import { driverErrorOf, PG_PATIENT_DELETED } from '../../lib/errors.js';
import { fileSize, readDocuments, type RawDocument } from './documents.js';
import {
  mapAppointment,
  mapDoctor,
  mapUser,
  placeAppointment,
  type AppointmentDraft,
  type AppointmentImport,
  type Collection,
  type DoctorImport,
  type PatientImport,
  type Rejection,
} from './mapping.js';
import {
  addRowCount,
  applyAppointmentSummaries,
  doctorSettings,
  emailOwner,
  existingAppointments,
  existingPatients,
  openSession,
  overlappingAppointment,
  setSummaryTrigger,
  upsertAppointments,
  upsertDoctors,
  upsertPatients,
  type DoctorDefaults,
  type Session,
  type SummaryTable,
  type UpsertResult,
} from './repo.js';

export const COLLECTIONS: Collection[] = ['users', 'doctors', 'appointments'];

export interface ReportLine {
  collection: Collection;
  /** position of the document in its file, from 1 */
  record: number;
  _id?: string;
  reason: string;
}

export interface ImportOptions {
  folder: string;
  dryRun: boolean;
  /** zone of slotDate/slotTime for doctors the import creates (existing doctors keep theirs) */
  timeZone: string;
  currency: string;
  doctorDefaults: Omit<DoctorDefaults, 'timeZone'>;
  batchSize?: number;
  onReject?: (line: ReportLine) => void;
  onProgress?: (collection: Collection, bytesRead: number, bytesTotal: number) => void;
}

/** The platform's slot settings and weekly hours (config.scheduling): what doctors the import creates start with. */
export function doctorDefaultsOf(scheduling: SchedulingDefaults): ImportOptions['doctorDefaults'] {
  const { slotMinutes, slotIntervalMinutes, bufferMinutes, workingHours } = scheduling;
  return { slotMinutes, slotIntervalMinutes, bufferMinutes, workingHours };
}

export interface CollectionSummary {
  /** the file read, or null when the folder has none for this collection */
  file: string | null;
  read: number;
  imported: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface ImportSummary {
  dryRun: boolean;
  collections: Record<Collection, CollectionSummary>;
}

const EXTENSIONS = ['.json', '.jsonl', '.ndjson'];

/**
 * The file of a collection in the folder: `users.json` (or `.jsonl`, `.ndjson`), or the name
 * mongoexport users often give it, `<database>.users.json`.
 */
export function collectionFile(folder: string, collection: Collection): string | null {
  const names = readdirSync(folder).filter((n) => EXTENSIONS.some((ext) => n === collection + ext || (n.endsWith(`.${collection}${ext}`) && !n.startsWith('.'))));
  if (names.length > 1) throw new Error(`${folder} has several files for ${collection} (${names.join(', ')}): keep one`);
  return names.length ? path.join(folder, names[0]) : null;
}

export async function importMongo(database: Database, opts: ImportOptions): Promise<ImportSummary> {
  if (!existsSync(opts.folder)) throw new Error(`no such folder: ${opts.folder}`);
  const files = Object.fromEntries(COLLECTIONS.map((c) => [c, collectionFile(opts.folder, c)])) as Record<Collection, string | null>;
  if (COLLECTIONS.every((c) => files[c] === null)) {
    throw new Error(`${opts.folder} has none of users.json, doctors.json, appointments.json (JSON lines or a JSON array, as mongoexport writes them)`);
  }
  const summary: ImportSummary = {
    dryRun: opts.dryRun,
    collections: Object.fromEntries(
      COLLECTIONS.map((c) => [c, { file: files[c], read: 0, imported: 0, updated: 0, unchanged: 0, rejected: 0 }]),
    ) as Record<Collection, CollectionSummary>,
  };
  const session = await openSession(database);
  const importer = new Importer(session, opts, summary);
  if (opts.dryRun) await session.query('BEGIN');
  try {
    for (const c of COLLECTIONS) {
      const file = files[c];
      if (file) await importer.collection(c, file);
    }
  } finally {
    if (opts.dryRun) await session.query('ROLLBACK').catch(() => undefined);
    session.release();
  }
  return summary;
}

const SUMMARY_TABLE: Record<Collection, SummaryTable> = { users: 'patients', doctors: 'doctors', appointments: 'appointments' };

/** SQLSTATE classes that belong to one row (bad value, constraint, a booking for an erased patient), not to the connection or server. */
const rowLevel = (err: unknown): boolean => {
  const code = driverErrorOf(err)?.code;
  return code !== undefined && (code.startsWith('22') || code.startsWith('23') || code === '21000' || code === PG_PATIENT_DELETED);
};

interface Keyed {
  id: string;
}

/** What a batch did: rows inserted, rows changed, and rows the database accepted (changed or not). */
interface Written extends UpsertResult {
  written: number;
}

class Importer {
  private readonly batchSize: number;
  private readonly keepsSummaries: boolean;

  constructor(
    private readonly s: Session,
    private readonly opts: ImportOptions,
    private readonly summary: ImportSummary,
  ) {
    this.batchSize = opts.batchSize ?? 1000;
    this.keepsSummaries = !opts.dryRun;
  }

  async collection(c: Collection, file: string): Promise<void> {
    const total = fileSize(file);
    this.opts.onProgress?.(c, 0, total);
    let batch: RawDocument[] = [];
    // the reader reports each chunk it reads; the end is reported once, when the last batch is in
    const onBytes = (bytes: number) => {
      if (bytes < total) this.opts.onProgress?.(c, bytes, total);
    };
    for await (const raw of readDocuments(file, onBytes)) {
      batch.push(raw);
      if (batch.length >= this.batchSize) {
        await this.batch(c, batch);
        batch = [];
      }
    }
    if (batch.length) await this.batch(c, batch);
    this.opts.onProgress?.(c, total, total);
  }

  private reject(c: Collection, record: number, r: Rejection): void {
    this.summary.collections[c].rejected++;
    this.opts.onReject?.({ collection: c, record, ...(r.id ? { _id: r.id } : {}), reason: r.reason });
  }

  private async batch(c: Collection, raws: RawDocument[]): Promise<void> {
    const sum = this.summary.collections[c];
    sum.read += raws.length;
    // A dry run nests each batch in a savepoint of its outer transaction.
    await this.s.query(this.opts.dryRun ? 'SAVEPOINT batch' : 'BEGIN');
    const table = SUMMARY_TABLE[c];
    try {
      // The summaries are kept once per batch instead of once per row (repo.ts says why). A dry run
      // leaves the triggers alone: they are deferred to a commit that never comes, and turning them
      // off would hold the table's lock, and so every booking, until its end.
      if (this.keepsSummaries) await setSummaryTrigger(this.s, table, false);
      const records = new Map<string, number>();
      const docs: { record: number; doc: Record<string, unknown> }[] = [];
      for (const r of raws) {
        if (r.doc) docs.push({ record: r.record, doc: r.doc });
        else this.reject(c, r.record, { reason: r.error ?? 'unreadable' });
      }
      let result: Written;
      if (c === 'users') result = await this.users(docs, records);
      else if (c === 'doctors') result = await this.doctors(docs, records);
      else result = await this.appointments(docs, records);
      sum.imported += result.inserted.length;
      sum.updated += result.updated.length;
      sum.unchanged += result.written - result.inserted.length - result.updated.length;
      if (this.keepsSummaries) {
        if (table !== 'appointments') await addRowCount(this.s, table, result.counted);
        await setSummaryTrigger(this.s, table, true);
      }
      await this.s.query(this.opts.dryRun ? 'RELEASE SAVEPOINT batch' : 'COMMIT');
    } catch (err) {
      await this.s.query(this.opts.dryRun ? 'ROLLBACK TO SAVEPOINT batch' : 'ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Maps documents, reporting those that cannot be mapped; `records` gets id → record of the rest. */
  private mapAll<T extends Keyed>(
    c: Collection,
    docs: { record: number; doc: Record<string, unknown> }[],
    map: (doc: Record<string, unknown>) => { ok: true; row: T } | { ok: false; rejection: Rejection },
    records: Map<string, number>,
  ): T[] {
    const rows: T[] = [];
    for (const { record, doc } of docs) {
      const m = map(doc);
      if (!m.ok) {
        this.reject(c, record, m.rejection);
        continue;
      }
      rows.push(m.row);
      records.set(m.row.id, record);
    }
    return rows;
  }

  /**
   * Writes the rows in one statement; when the database refuses that, one statement per row in
   * savepoints, so only the rows it refuses are left out (and reported with `explain`).
   */
  private async write<T extends Keyed>(
    c: Collection,
    rows: T[],
    records: Map<string, number>,
    upsert: (rows: T[]) => Promise<UpsertResult>,
    explain: (row: T, err: unknown) => Promise<string>,
  ): Promise<Written> {
    if (rows.length === 0) return { inserted: [], updated: [], counted: 0, written: 0 };
    await this.s.query('SAVEPOINT many');
    try {
      const r = await upsert(rows);
      await this.s.query('RELEASE SAVEPOINT many');
      return { ...r, written: rows.length };
    } catch (err) {
      if (!rowLevel(err)) throw err;
      await this.s.query('ROLLBACK TO SAVEPOINT many');
      await this.s.query('RELEASE SAVEPOINT many');
    }
    const out: Written = { inserted: [], updated: [], counted: 0, written: 0 };
    for (const row of rows) {
      await this.s.query('SAVEPOINT one');
      try {
        const r = await upsert([row]);
        await this.s.query('RELEASE SAVEPOINT one');
        out.inserted.push(...r.inserted);
        out.updated.push(...r.updated);
        out.counted += r.counted;
        out.written++;
      } catch (err) {
        if (!rowLevel(err)) throw err;
        await this.s.query('ROLLBACK TO SAVEPOINT one');
        await this.s.query('RELEASE SAVEPOINT one');
        this.reject(c, records.get(row.id) ?? 0, { id: row.id, reason: await explain(row, err) });
      }
    }
    return out;
  }

  private async explainAccount(table: 'patients' | 'doctors', row: PatientImport | DoctorImport, err: unknown): Promise<string> {
    const e = driverErrorOf(err);
    if (e?.code === '23505') {
      const other = await emailOwner(this.s, table, row.email, row.id);
      return `email already used by ${table === 'patients' ? 'patient' : 'doctor'} ${other ?? 'in the same file'}`;
    }
    return refused(err);
  }

  private async users(docs: { record: number; doc: Record<string, unknown> }[], records: Map<string, number>): Promise<Written> {
    const rows = this.mapAll('users', docs, mapUser, records);
    return this.write('users', rows, records, (r) => upsertPatients(this.s, r), (row, err) => this.explainAccount('patients', row, err));
  }

  private async doctors(docs: { record: number; doc: Record<string, unknown> }[], records: Map<string, number>): Promise<Written> {
    const rows = this.mapAll('doctors', docs, mapDoctor, records);
    const defaults: DoctorDefaults = { ...this.opts.doctorDefaults, timeZone: this.opts.timeZone };
    return this.write('doctors', rows, records, (r) => upsertDoctors(this.s, r, defaults), (row, err) => this.explainAccount('doctors', row, err));
  }

  private async appointments(docs: { record: number; doc: Record<string, unknown> }[], records: Map<string, number>): Promise<Written> {
    const drafts = this.mapAll<AppointmentDraft>('appointments', docs, mapAppointment, records);
    const doctors = new Map((await doctorSettings(this.s, drafts.map((d) => d.doctor_id))).map((d) => [d.id, d]));
    const patients = await existingPatients(this.s, drafts.map((d) => d.patient_id));
    const rows: AppointmentImport[] = [];
    for (const d of drafts) {
      const doctor = doctors.get(d.doctor_id);
      const problem = !doctor ? 'unknown doctor (docId not imported or not found)' : !patients.has(d.patient_id) ? 'unknown patient (userId not imported or not found)' : null;
      if (problem) {
        this.reject('appointments', records.get(d.id) ?? 0, { id: d.id, reason: problem });
        continue;
      }
      const placed = placeAppointment(d, doctor!.time_zone, doctor!.slot_minutes);
      if (!placed.ok) {
        this.reject('appointments', records.get(d.id) ?? 0, placed.rejection);
        continue;
      }
      rows.push(placed.row);
    }
    // The rows' old versions leave the summaries and whatever stands after the write comes back in
    // (a row refused keeps its old version: out and in again, no change). Only ids already in the
    // table have an old version: a first import's batch (all new) skips the four statements that
    // take them away, for one lookup (a re-import pays that lookup on top of them).
    const ids = rows.map((r) => r.id);
    if (this.keepsSummaries) await applyAppointmentSummaries(this.s, await existingAppointments(this.s, ids), -1);
    const written = await this.write('appointments', rows, records, (r) => upsertAppointments(this.s, r, this.opts.currency), async (row, err) => {
      if (driverErrorOf(err)?.code === '23P01') {
        const other = await overlappingAppointment(this.s, row);
        return `overlaps the live appointment ${other ?? '(unknown)'} of the same doctor`;
      }
      return refused(err);
    });
    if (this.keepsSummaries) await applyAppointmentSummaries(this.s, ids, 1);
    return written;
  }
}

/** A refusal the checks above did not foresee: its SQLSTATE and constraint (the message may quote row values). */
function refused(err: unknown): string {
  const e = driverErrorOf(err);
  if (e?.code === PG_PATIENT_DELETED) return 'a live booking for a patient whose account was erased';
  const constraint = typeof e?.constraint === 'string' ? ` on ${e.constraint}` : '';
  return `refused by the database (SQLSTATE ${e?.code ?? 'unknown'}${constraint})`;
}
