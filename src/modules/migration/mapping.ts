// How documents of the original Prescripto (Mongoose models `user`, `doctor`, `appointment`) map to
// rows here, and back. Pure functions: no database, no clock. The table in docs/migration.md is the
// reader's version of this file.
// Over 300 lines: three models both ways, field by field, kept in one file like that table.
import { ObjectId } from 'bson';
import type { Address, AppointmentStatus, DocSnapshot, UserSnapshot } from '../../db/schema.js';
import { toMajor, toMinor } from '../../lib/money.js';
import { formatSlotTime, legacyDateKey, MAX_YEAR, MIN_YEAR, parseSlotDate, parseSlotTime, zonedInstant } from '../../lib/time.js';
import { isEmail, normalizeEmail } from '../../lib/validate.js';

export type Collection = 'users' | 'doctors' | 'appointments';

/** A document that cannot go in, and why (the reason names fields, never their personal content). */
export interface Rejection {
  id?: string;
  reason: string;
}

export type Mapped<T> = { ok: true; row: T } | { ok: false; rejection: Rejection };

export interface PatientImport {
  id: string;
  name: string;
  email: string;
  password_hash: string;
  phone: string;
  address: Address;
  gender: string;
  dob: string;
  image: string | null;
  created_at: string;
  /** set for a patient erased at their request: the anonymised row stays for their appointments */
  deleted_at: string | null;
}

export interface DoctorImport {
  id: string;
  name: string;
  email: string;
  password_hash: string;
  image: string;
  speciality: string;
  degree: string;
  experience: string;
  about: string;
  fees_minor: number;
  address: Address;
  available: boolean;
  created_at: string;
}

/** An appointment before its doctor is known: the wall-clock slot is not yet an instant. */
export interface AppointmentDraft {
  id: string;
  patient_id: string;
  doctor_id: string;
  slot_date: string;
  slot_time: string;
  /** minutes after local midnight */
  slot_minute: number;
  user_data: UserSnapshot;
  doc_data: DocSnapshot;
  amount_minor: number;
  status: AppointmentStatus;
  paid: boolean;
  created_at: string;
}

export interface AppointmentImport extends Omit<AppointmentDraft, 'slot_minute'> {
  starts_at: string;
  ends_at: string;
  blocks: string;
  paid_at: string | null;
  cancelled_at: string | null;
  completed_at: string | null;
}

// ---------------------------------------------------------------- reading values

const HEX_ID = /^[0-9a-fA-F]{24}$/;
/** bcrypt in modular crypt format, as bcrypt and bcryptjs write it: `$2a$10$` + 53 characters */
const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

const missing = (v: unknown) => v === undefined || v === null;

export function idOf(v: unknown): string | undefined {
  if (v instanceof ObjectId) return v.toHexString();
  if (typeof v === 'string' && HEX_ID.test(v)) return v.toLowerCase();
  return undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  // relaxed EJSON leaves integers beyond 2^53 as Long; Decimal128 as an object: both print as numbers
  if (v && typeof v === 'object' && 'toString' in v) {
    const n = Number(String(v));
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** A `Number` (milliseconds since 1970, as the original's `date` fields) or a BSON date. */
function instant(v: unknown): Date | undefined {
  const ms = v instanceof Date ? v.getTime() : num(v);
  if (ms === undefined || Number.isNaN(ms)) return undefined;
  const year = new Date(ms).getUTCFullYear();
  return year >= MIN_YEAR && year <= MAX_YEAR ? new Date(ms) : undefined;
}

/** The creation time MongoDB wrote into every ObjectId (its first four bytes, in seconds). */
export const idTime = (id: string): Date => new Date(parseInt(id.slice(0, 8), 16) * 1000);

function address(v: unknown): Address {
  let a: unknown = v;
  if (typeof v === 'string') {
    try {
      a = JSON.parse(v);
    } catch {
      return { line1: v, line2: '' };
    }
  }
  if (!a || typeof a !== 'object') return { line1: '', line2: '' };
  const o = a as Record<string, unknown>;
  return { line1: str(o.line1) ?? '', line2: str(o.line2) ?? '' };
}

class Reject extends Error {}
const reject = (reason: string): never => {
  throw new Reject(reason);
};

function required(doc: Record<string, unknown>, field: string): string {
  const v = str(doc[field]);
  if (v === undefined || v.trim() === '') reject(`missing ${field}`);
  return v!.trim();
}

function bool(doc: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const v = doc[field];
  if (missing(v)) return fallback;
  if (typeof v !== 'boolean') reject(`${field} is not true or false`);
  return v as boolean;
}

function email(doc: Record<string, unknown>): string {
  const e = required(doc, 'email');
  if (!isEmail(e)) reject('invalid email');
  return normalizeEmail(e);
}

function passwordHash(doc: Record<string, unknown>): string {
  const p = str(doc.password);
  if (p === undefined || p === '') reject('missing password');
  // A hash is carried as it is, so people log in with their old password; anything else (a
  // plain-text password, another algorithm) would never match and is refused here.
  if (!BCRYPT.test(p!)) reject('password is not a bcrypt hash');
  return p!;
}

function createdAt(doc: Record<string, unknown>, id: string): string {
  if (missing(doc.date)) return idTime(id).toISOString();
  const at = instant(doc.date);
  if (!at) reject('invalid date');
  return at!.toISOString();
}

function mapWith<T>(doc: Record<string, unknown>, build: (id: string) => T): Mapped<T> {
  const id = idOf(doc._id);
  if (!id) {
    const raw = typeof doc._id === 'string' || typeof doc._id === 'number' ? { id: String(doc._id) } : {};
    return { ok: false, rejection: { ...raw, reason: missing(doc._id) ? 'missing _id' : '_id is not an ObjectId' } };
  }
  try {
    return { ok: true, row: build(id) };
  } catch (err) {
    if (err instanceof Reject) return { ok: false, rejection: { id, reason: err.message } };
    throw err;
  }
}

// ---------------------------------------------------------------- import

export function mapUser(doc: Record<string, unknown>): Mapped<PatientImport> {
  return mapWith(doc, (id) => {
    const deletedAt = erasedAt(doc);
    return {
      id,
      name: required(doc, 'name'),
      email: email(doc),
      // an erased patient has no password left to carry (see userDocument)
      password_hash: deletedAt ? ERASED_PASSWORD : passwordHash(doc),
      phone: str(doc.phone) ?? '000000000',
      address: address(doc.address),
      gender: str(doc.gender) ?? 'Not Selected',
      dob: str(doc.dob) ?? 'Not Selected',
      image: str(doc.image) ?? null,
      // users carry no creation time of their own: their ObjectId does
      created_at: idTime(id).toISOString(),
      deleted_at: deletedAt,
    };
  });
}

/** What an erased patient's password hash is replaced with: no password ever matches it. */
const ERASED_PASSWORD = '!erased';

function erasedAt(doc: Record<string, unknown>): string | null {
  if (missing(doc.deletedAt)) return null;
  const at = instant(doc.deletedAt);
  if (!at) reject('invalid deletedAt');
  return at!.toISOString();
}

export function mapDoctor(doc: Record<string, unknown>): Mapped<DoctorImport> {
  return mapWith(doc, (id) => {
    const fees = num(doc.fees);
    if (fees === undefined || fees < 0) reject(missing(doc.fees) ? 'missing fees' : 'invalid fees');
    return {
      id,
      name: required(doc, 'name'),
      email: email(doc),
      password_hash: passwordHash(doc),
      image: required(doc, 'image'),
      speciality: required(doc, 'speciality'),
      degree: required(doc, 'degree'),
      experience: required(doc, 'experience'),
      about: required(doc, 'about'),
      fees_minor: toMinor(fees!),
      address: address(doc.address),
      available: bool(doc, 'available', true),
      created_at: createdAt(doc, id),
    };
  });
}

function userSnapshot(v: unknown, patientId: string): UserSnapshot {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  return {
    _id: idOf(o._id) ?? patientId,
    name: str(o.name) ?? '',
    email: str(o.email) ?? '',
    phone: str(o.phone) ?? '',
    address: address(o.address),
    gender: str(o.gender) ?? '',
    dob: str(o.dob) ?? '',
    image: str(o.image) ?? '',
  };
}

function docSnapshot(v: unknown, doctorId: string, amountMinor: number): DocSnapshot {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  return {
    _id: idOf(o._id) ?? doctorId,
    name: str(o.name) ?? '',
    email: str(o.email) ?? '',
    image: str(o.image) ?? '',
    speciality: str(o.speciality) ?? '',
    degree: str(o.degree) ?? '',
    experience: str(o.experience) ?? '',
    about: str(o.about) ?? '',
    fees: num(o.fees) ?? toMajor(amountMinor),
    address: address(o.address),
  };
}

/** The original's three booleans → one status. A cancellation wins over everything; then completion; then payment. */
export function statusOf(cancelled: boolean, payment: boolean, isCompleted: boolean): AppointmentStatus {
  if (cancelled) return 'cancelled';
  if (isCompleted) return 'completed';
  return payment ? 'confirmed' : 'pending';
}

export function mapAppointment(doc: Record<string, unknown>): Mapped<AppointmentDraft> {
  return mapWith(doc, (id) => {
    const patientId = idOf(doc.userId);
    if (!patientId) reject(missing(doc.userId) ? 'missing userId' : 'userId is not an ObjectId');
    const doctorId = idOf(doc.docId);
    if (!doctorId) reject(missing(doc.docId) ? 'missing docId' : 'docId is not an ObjectId');
    const slotDate = parseSlotDate(required(doc, 'slotDate'));
    if (!slotDate) reject('invalid slotDate (expected d_m_yyyy)');
    const minute = parseSlotTime(required(doc, 'slotTime'));
    if (minute === null) reject('invalid slotTime (expected hh:mm AM)');
    const amount = num(doc.amount);
    if (amount === undefined || amount < 0) reject(missing(doc.amount) ? 'missing amount' : 'invalid amount');
    const amountMinor = toMinor(amount!);
    const cancelled = bool(doc, 'cancelled', false);
    const payment = bool(doc, 'payment', false);
    const isCompleted = bool(doc, 'isCompleted', false);
    return {
      id,
      patient_id: patientId!,
      doctor_id: doctorId!,
      slot_date: slotDate!,
      slot_time: formatSlotTime(minute!),
      slot_minute: minute!,
      user_data: userSnapshot(doc.userData, patientId!),
      doc_data: docSnapshot(doc.docData, doctorId!, amountMinor),
      amount_minor: amountMinor,
      status: statusOf(cancelled, payment, isCompleted),
      paid: payment,
      created_at: createdAt(doc, id),
    };
  });
}

/**
 * Places the slot on the time line, in the doctor's zone. The interval held is the slot alone,
 * without the buffer new bookings keep after them: the original offered back-to-back slots, and
 * bookings it made that way are history to keep, not overlaps.
 */
export function placeAppointment(d: AppointmentDraft, timeZone: string, slotMinutes: number): Mapped<AppointmentImport> {
  const starts = zonedInstant(d.slot_date, d.slot_minute, timeZone);
  if (!starts) return { ok: false, rejection: { id: d.id, reason: `slotTime does not exist in ${timeZone} on that day (daylight-saving change)` } };
  const ends = new Date(starts.getTime() + slotMinutes * 60_000);
  const { slot_minute: _unused, ...rest } = d;
  return {
    ok: true,
    row: {
      ...rest,
      starts_at: starts.toISOString(),
      ends_at: ends.toISOString(),
      blocks: `[${starts.toISOString()},${ends.toISOString()})`,
      // the original keeps no time for these: the booking time stands in for payment and
      // cancellation, the end of the slot for completion
      paid_at: d.paid ? d.created_at : null,
      cancelled_at: d.status === 'cancelled' ? d.created_at : null,
      completed_at: d.status === 'completed' ? ends.toISOString() : null,
    },
  };
}

// ---------------------------------------------------------------- export

/** A patient as stored, read back for export: the imported fields without the creation time. */
export type PatientExportRow = Omit<PatientImport, 'created_at'>;

/** A doctor as stored, read back for export (the database driver gives the creation time as a Date). */
export type DoctorExportRow = Omit<DoctorImport, 'created_at'> & { created_at: Date };

export interface AppointmentExportRow {
  id: string;
  patient_id: string;
  doctor_id: string;
  slot_date: string;
  slot_time: string;
  user_data: UserSnapshot;
  doc_data: DocSnapshot;
  amount_minor: number;
  status: AppointmentStatus;
  paid: boolean;
  created_at: Date;
}

/** `{ "d_m_yyyy": ["10:30 AM", …] }`, as the original keeps it on each doctor. */
export type LegacySlotsBooked = Record<string, string[]>;

const oid = (id: string) => ObjectId.createFromHexString(id);

export function userDocument(r: PatientExportRow): Record<string, unknown> {
  return {
    _id: oid(r.id),
    name: r.name,
    email: r.email,
    // no picture: left out, so the original's schema default applies again
    ...(r.image === null ? {} : { image: r.image }),
    phone: r.phone,
    address: { line1: r.address.line1, line2: r.address.line2 },
    gender: r.gender,
    dob: r.dob,
    password: r.password_hash,
    // An erased patient stays, anonymised, so their appointments keep a user to point at; the
    // original app ignores the field, an import here reads it back as an erased patient.
    ...(r.deleted_at === null ? {} : { deletedAt: new Date(r.deleted_at) }),
    __v: 0,
  };
}

export function doctorDocument(r: DoctorExportRow, slotsBooked: LegacySlotsBooked): Record<string, unknown> {
  return {
    _id: oid(r.id),
    name: r.name,
    email: r.email,
    password: r.password_hash,
    image: r.image,
    speciality: r.speciality,
    degree: r.degree,
    experience: r.experience,
    about: r.about,
    available: r.available,
    fees: toMajor(r.fees_minor),
    slots_booked: slotsBooked,
    address: { line1: r.address.line1, line2: r.address.line2 },
    date: r.created_at.getTime(),
    __v: 0,
  };
}

export function appointmentDocument(r: AppointmentExportRow): Record<string, unknown> {
  const u = r.user_data;
  const d = r.doc_data;
  return {
    _id: oid(r.id),
    userId: r.patient_id,
    docId: r.doctor_id,
    slotDate: legacyDateKey(r.slot_date),
    slotTime: r.slot_time,
    userData: {
      _id: idOf(u._id) ? oid(idOf(u._id)!) : oid(r.patient_id),
      name: u.name,
      email: u.email,
      image: u.image,
      phone: u.phone,
      address: u.address,
      gender: u.gender,
      dob: u.dob,
    },
    docData: {
      _id: idOf(d._id) ? oid(idOf(d._id)!) : oid(r.doctor_id),
      name: d.name,
      email: d.email,
      image: d.image,
      speciality: d.speciality,
      degree: d.degree,
      experience: d.experience,
      about: d.about,
      fees: d.fees,
      address: d.address,
    },
    amount: toMajor(r.amount_minor),
    date: r.created_at.getTime(),
    cancelled: r.status === 'cancelled',
    payment: r.paid,
    isCompleted: r.status === 'completed',
    __v: 0,
  };
}
