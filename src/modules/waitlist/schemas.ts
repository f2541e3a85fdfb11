import { Type } from 'typebox';
import { CalendarDate, ConsultationMode, IdString } from '../../lib/schemas.js';
import { Appointment } from '../appointments/schemas.js';

const PartOfDay = Type.Union([Type.Literal('any'), Type.Literal('morning'), Type.Literal('afternoon'), Type.Literal('evening')], {
  description: 'start times in the doctor’s zone: `morning` before 12:00, `afternoon` 12:00–17:00, `evening` from 17:00, `any` (default) all day',
});

export const WaitlistOffer = Type.Object({
  _id: Type.String(),
  slotDate: Type.String({ description: 'local date in the doctor’s zone, `YYYY-MM-DD`' }),
  slotTime: Type.String({ description: '`hh:mm AM`' }),
  startsAt: Type.String({ description: 'UTC instant' }),
  endsAt: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('lapsed'), Type.Literal('withdrawn')]),
  expiresAt: Type.String({ description: 'an open offer lapses then and passes to the next patient' }),
  appointmentId: Type.Union([Type.String(), Type.Null()], { description: 'the booking made by accepting it' }),
});

export const WaitlistEntry = Type.Object({
  _id: Type.String(),
  docId: Type.String(),
  doctorName: Type.String(),
  fromDate: Type.String(),
  toDate: Type.String(),
  partOfDay: PartOfDay,
  status: Type.Union([Type.Literal('waiting'), Type.Literal('booked'), Type.Literal('left'), Type.Literal('ended')]),
  joinedAt: Type.String(),
  appointmentId: Type.Union([Type.String(), Type.Null()]),
  offer: Type.Union([WaitlistOffer, Type.Null()], { description: 'the open offer (status `open`, held until `expiresAt`), else the last one made, else null' }),
});

export const JoinBody = Type.Object(
  {
    docId: IdString('doctor id'),
    fromDate: CalendarDate('first day wanted, in the doctor’s zone'),
    toDate: Type.Optional(CalendarDate('last day wanted (default: fromDate); at most 14 days from fromDate, both included')),
    partOfDay: Type.Optional(PartOfDay),
  },
  { additionalProperties: false, examples: [{ docId: '6650f1c2a4b5c6d7e8f90123', fromDate: '2026-12-07', toDate: '2026-12-11', partOfDay: 'morning' }] },
);

export const AcceptQuery = Type.Object(
  { mode: Type.Optional(ConsultationMode('`in_person` (default) or `video`; a mode the doctor does not offer answers 409')) },
  { additionalProperties: false },
);

export const EntryIdParams = Type.Object({ id: IdString('waitlist entry id') }, { additionalProperties: false });
export const SummaryQuery = Type.Object({ docId: Type.Optional(IdString('only this doctor’s waitlist')) }, { additionalProperties: false });

export const EntryOut = Type.Object({ success: Type.Boolean(), message: Type.String(), entry: WaitlistEntry });
export const EntryList = Type.Object({ success: Type.Boolean(), entries: Type.Array(WaitlistEntry) });
export const Accepted = Type.Object({ success: Type.Boolean(), message: Type.String(), entry: WaitlistEntry, appointment: Appointment });
export const WaitlistDays = Type.Object({
  success: Type.Boolean(),
  days: Type.Array(Type.Object({ date: Type.String({ description: '`YYYY-MM-DD`' }), waiting: Type.Integer({ description: 'waiting entries whose window covers this day' }) }), {
    description: 'days from today on with at least one waiting patient, soonest first',
  }),
});
