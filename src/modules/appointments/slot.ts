// A requested date and time as the doctor's instants: the one slot resolution of booking, preview
// and reschedule. No booking rule is checked here (rules.ts does that).
import type { DoctorRow } from '../../db/schema.js';
import { badRequest } from '../../lib/errors.js';
import { DATE_FORMAT_MESSAGES, SLOT_DATE } from '../../lib/schemas.js';
import { formatSlotTime, parseSlotDate, parseSlotTime, zonedInstant } from '../../lib/time.js';
import type { Static } from 'typebox';
import type { BookRequest, SlotAvailabilityOut } from './schemas.js';

/** A booking request as validated (the route's body). */
export type BookInput = BookRequest;

export type RequestedTime = Pick<BookInput, 'slotDate' | 'slotTime'>;

/** Several times with one doctor (a recurring series): built by the series module, no route takes it. */
export type ManyInput = Pick<BookInput, 'docId' | 'mode'> & { slots: RequestedTime[] };

/** Whether one requested time can be booked now, and why not (`reason`, and the `status` a booking of it alone would be refused with; taken: null). */
export type SlotAvailability = Static<typeof SlotAvailabilityOut>;

export const TAKEN = 'This time is already booked';

/** A requested slot as instants in the doctor's zone; `holdUntil` is its end plus the buffer. */
export interface ResolvedSlot {
  slotDate: string;
  /** minutes after local midnight in the doctor's zone */
  minutes: number;
  startsAt: Date;
  endsAt: Date;
  holdUntil: Date;
}

/** The format checks of a requested date and time, before anything is read. */
export function parseRequested(input: RequestedTime): { slotDate: string; minutes: number } {
  const slotDate = parseSlotDate(input.slotDate);
  if (!slotDate) throw badRequest(`slotDate ${DATE_FORMAT_MESSAGES[SLOT_DATE]}`);
  const minutes = parseSlotTime(input.slotTime);
  if (minutes === null) throw badRequest('slotTime must be a time like 10:30 AM');
  return { slotDate, minutes };
}

/** A parsed date and time in the doctor's zone, length and buffer (400 for a time a daylight-saving change skips). */
export function slotOf(doctor: Pick<DoctorRow, 'timeZone' | 'slotMinutes' | 'bufferMinutes'>, { slotDate, minutes }: { slotDate: string; minutes: number }): ResolvedSlot {
  const startsAt = zonedInstant(slotDate, minutes, doctor.timeZone);
  if (!startsAt) throw badRequest(`${formatSlotTime(minutes)} does not exist on ${slotDate} in ${doctor.timeZone} (daylight-saving change)`);
  const endsAt = new Date(startsAt.getTime() + doctor.slotMinutes * 60_000);
  return { slotDate, minutes, startsAt, endsAt, holdUntil: new Date(endsAt.getTime() + doctor.bufferMinutes * 60_000) };
}

/** `[start,end)` as a Postgres tstzrange literal. */
export const rangeLiteral = (start: Date, end: Date): string => `[${start.toISOString()},${end.toISOString()})`;

/** The columns of an appointment that place it in time. */
export function slotColumns(slot: ResolvedSlot): { slotDate: string; slotTime: string; startsAt: Date; endsAt: Date; blocks: string } {
  return { slotDate: slot.slotDate, slotTime: formatSlotTime(slot.minutes), startsAt: slot.startsAt, endsAt: slot.endsAt, blocks: rangeLiteral(slot.startsAt, slot.holdUntil) };
}
