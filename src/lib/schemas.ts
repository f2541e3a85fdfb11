// Schemas shared by several modules. One TypeBox definition gives validation, types and OpenAPI.
import { Type, type Static } from 'typebox';
import { badRequest } from './errors.js';
import { MAX_YEAR, MIN_YEAR } from './time.js';

// Date formats, checked by the validator (plugins/validation.ts) with the parsers of lib/time.ts:
// every endpoint that takes a date uses one of these, so one rule decides what a date is.
export const CALENDAR_DATE = 'calendar-date';
export const INSTANT = 'instant';
export const SLOT_DATE = 'slot-date';
export const DAY_OR_INSTANT = 'day-or-instant';

/** A real calendar day `YYYY-MM-DD`, years MIN_YEAR–MAX_YEAR. */
export const CalendarDate = (description: string) =>
  Type.String({ format: CALENDAR_DATE, maxLength: 10, description: `${description}; YYYY-MM-DD, a real day in ${MIN_YEAR}–${MAX_YEAR}` });

/** An ISO 8601 instant with its zone (`2025-01-01T10:00:00Z`, `…+05:30`), years MIN_YEAR–MAX_YEAR. */
export const Instant = (description: string) =>
  Type.String({ format: INSTANT, maxLength: 40, description: `${description}; ISO 8601 with a zone, e.g. 2025-01-01T10:00:00Z, years ${MIN_YEAR}–${MAX_YEAR}` });

/** A booking's day: `YYYY-MM-DD` or the legacy `d_m_yyyy` old clients send, a real day in MIN_YEAR–MAX_YEAR. */
export const SlotDate = (description = '`YYYY-MM-DD` or legacy `d_m_yyyy`') =>
  Type.String({ format: SLOT_DATE, maxLength: 20, description: `${description}, a real day in ${MIN_YEAR}–${MAX_YEAR}` });

/** A day (from its midnight UTC) or an instant, where either makes sense (audit log filters). */
export const DayOrInstant = (description: string) =>
  Type.String({ format: DAY_OR_INSTANT, maxLength: 40, description: `${description}; 2025-01-31 or 2025-01-31T10:00:00Z, years ${MIN_YEAR}–${MAX_YEAR}` });

/** What a refused date is told, per format (plugins/errors.ts). */
export const DATE_FORMAT_MESSAGES: Record<string, string> = {
  [CALENDAR_DATE]: `must be a real date like 2025-01-31, years ${MIN_YEAR}–${MAX_YEAR}`,
  [INSTANT]: `must be an ISO 8601 instant like 2025-01-01T10:00:00Z or 2025-01-01T15:30:00+05:30, years ${MIN_YEAR}–${MAX_YEAR}`,
  [SLOT_DATE]: `must be a real date like 2024-12-25 (or 25_12_2024), years ${MIN_YEAR}–${MAX_YEAR}`,
  [DAY_OR_INSTANT]: `must be a real date like 2025-01-31 or an instant like 2025-01-31T10:00:00Z, years ${MIN_YEAR}–${MAX_YEAR}`,
};

export const IdString = (description = 'record id (24 hex characters)') =>
  Type.String({ pattern: '^[0-9a-fA-F]{24}$', description });

export const AddressObject = Type.Object(
  { line1: Type.Optional(Type.String({ maxLength: 200 })), line2: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);

/** Old clients send `address` as a JSON string inside multipart forms; new ones send an object. */
export const AddressInput = Type.Union([AddressObject, Type.String({ maxLength: 500 })], {
  description: 'an object { line1, line2 } or the same as a JSON string',
});

export function parseAddress(input: Static<typeof AddressInput> | undefined): Address | undefined {
  if (input === undefined) return undefined;
  let obj: unknown = input;
  if (typeof input === 'string') {
    try {
      obj = JSON.parse(input);
    } catch {
      throw badRequest('address must be an object { line1, line2 } or its JSON string');
    }
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw badRequest('address must be an object { line1, line2 }');
  const { line1 = '', line2 = '' } = obj as Record<string, unknown>;
  if (typeof line1 !== 'string' || typeof line2 !== 'string' || line1.length > 200 || line2.length > 200) {
    throw badRequest('address lines must be text of at most 200 characters');
  }
  return { line1, line2 };
}

/**
 * A fee in major units. JSON bodies are validated without type coercion, with one deliberate
 * exception: the widely copied Prescripto doctor panel sends its fee input's text (`"fees": "600"`),
 * so a decimal number written as text is accepted here, and only that (null, true, "abc" are 400).
 */
export const FeesInput = Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: '^[0-9]{1,9}(\\.[0-9]{1,2})?$' })], {
  description: 'a number, or the same written as text (old doctor panels)',
});

export const feesValue = (input: Static<typeof FeesInput> | undefined): number | undefined =>
  input === undefined ? undefined : Number(input);

/** `in_person` or `video` (docs/booking-modes.md). */
export const ConsultationMode = (description: string) =>
  Type.Union([Type.Literal('in_person'), Type.Literal('video')], { description });
export const ConsultationModes = (description: string) =>
  Type.Array(ConsultationMode('a consultation mode'), { minItems: 1, maxItems: 2, uniqueItems: true, description });

export const AddressOut = Type.Object({ line1: Type.String(), line2: Type.String() });
/** An address as stored (a jsonb column) and answered. */
export type Address = Static<typeof AddressOut>;

/**
 * A patient as the API shows them, and as an appointment keeps them (its `user_data` column): the
 * booking's copy stays as it was when booked.
 */
export const UserSnapshot = Type.Object({
  _id: Type.String(), name: Type.String(), email: Type.String(), phone: Type.String(), address: AddressOut,
  gender: Type.String(), dob: Type.String(), image: Type.String(),
});
export type UserSnapshot = Static<typeof UserSnapshot>;

/** A doctor as an appointment keeps them (its `doc_data` column); answers leave out the email (DocSnapshotOut). */
export const DocSnapshot = Type.Object({
  _id: Type.String(), name: Type.String(), email: Type.String(), image: Type.String(), speciality: Type.String(), degree: Type.String(),
  experience: Type.String(), about: Type.String(), fees: Type.Number(), address: AddressOut,
});
export type DocSnapshot = Static<typeof DocSnapshot>;
export const DocSnapshotOut = Type.Omit(DocSnapshot, ['email']);

export const Message = Type.Object({ success: Type.Boolean(), message: Type.String() });

export const ErrorEnvelope = Type.Object({ success: Type.Literal(false), message: Type.String() });

export type ErrorStatus = 400 | 401 | 402 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 502 | 503;

/**
 * The refusals a route's own rules can answer (404 for a missing record, 409 for a state conflict,
 * 402, 502…), in the error envelope. The ones every route of a kind can answer (400 for bad input,
 * 401/403 behind a guard, 413/415 for bodies, 429, 503 while the database is down) are added to the
 * OpenAPI document from the route's declaration (plugins/openapi.ts), so routes list only their own.
 */
export function errors(...statuses: ErrorStatus[]): Partial<Record<ErrorStatus, typeof ErrorEnvelope>> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorEnvelope]));
}

/** @deprecated declares statuses a route may never answer: list the route's own with `errors(…)`. */
export const errorResponses = errors(400, 401, 403, 404, 409);

/**
 * OpenAPI fields of a route served under several URLs (old clients call the others): the first URL
 * is the one to use, the others appear once each, marked deprecated, with their own operationId.
 */
export function aliasDoc(urls: readonly string[], url: string, operationId: string, summary: string) {
  if (url === urls[0]) return { operationId, summary };
  return {
    operationId: `${operationId}Legacy${urls.indexOf(url) > 1 ? urls.indexOf(url) : ''}`,
    summary: `${summary} (old form)`,
    deprecated: true,
    description: `${summary}. Kept for existing clients: new clients call \`${urls[0]}\`, which does the same.`,
  };
}

export const AppointmentIdBody = Type.Object(
  { appointmentId: IdString('appointment id'), reason: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const Email = Type.String({ maxLength: 254 });
/** A password being checked (login): up to 128 characters, so passwords set before the 72-byte cap still log in. */
export const Password = Type.String({ maxLength: 128 });

/**
 * bcrypt reads only the first 72 bytes of a password: anything after them would be silently
 * ignored, so a new password longer than that is refused. The schema caps characters; services
 * call `assertPasswordFits` for the bytes (an accented letter takes 2, many emoji 4).
 */
export const PASSWORD_MAX_BYTES = 72;
export const NewPassword = Type.String({ maxLength: PASSWORD_MAX_BYTES, description: `at most ${PASSWORD_MAX_BYTES} bytes in UTF-8` });

export function assertPasswordFits(password: string): void {
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    throw badRequest(`Password is too long: at most ${PASSWORD_MAX_BYTES} bytes (${PASSWORD_MAX_BYTES} plain letters; accented letters and emoji count 2–4 each)`);
  }
}
