import { Type } from 'typebox';
import { IdString, SlotDate } from '../../lib/schemas.js';
import { Appointment } from '../appointments/schemas.js';

export const GroupSession = Type.Object({
  _id: Type.String(),
  docId: Type.String(),
  title: Type.String(),
  slotDate: Type.String({ description: 'local date in the doctor’s zone, `YYYY-MM-DD`' }),
  slotTime: Type.String({ description: '`hh:mm AM`' }),
  startsAt: Type.String({ description: 'UTC instant' }),
  endsAt: Type.String(),
  capacity: Type.Integer({ minimum: 1, maximum: 50 }),
  booked: Type.Integer({ description: 'live places' }),
  placesLeft: Type.Integer(),
  fee: Type.Number(),
  currency: Type.String(),
  status: Type.Union([Type.Literal('open'), Type.Literal('cancelled')]),
  cancelReason: Type.Union([Type.String(), Type.Null()]),
  cancelledAt: Type.Union([Type.String(), Type.Null()]),
});

export const OpenSessionBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 120, description: 'what the session is, e.g. `Vaccination hour`' }),
    slotDate: SlotDate(),
    slotTime: Type.String({ maxLength: 20, description: 'start in the doctor’s zone: `10:30 AM`, `10:30 am` or `14:30`' }),
    durationMinutes: Type.Integer({ minimum: 5, maximum: 480 }),
    capacity: Type.Integer({ minimum: 1, maximum: 50, description: 'places, at most 50' }),
    fee: Type.Number({ minimum: 0, maximum: 10_000_000, description: 'fee of one place' }),
  },
  { additionalProperties: false, examples: [{ title: 'Vaccination hour', slotDate: '2026-12-07', slotTime: '04:00 PM', durationMinutes: 60, capacity: 20, fee: 300 }] },
);

export const SessionIdParams = Type.Object({ id: IdString('group session id') }, { additionalProperties: false });
export const CancelSessionBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });

export const SessionOut = Type.Object({ success: Type.Boolean(), message: Type.String(), session: GroupSession });
export const SessionList = Type.Object({ success: Type.Boolean(), sessions: Type.Array(GroupSession) });
export const SessionCancelled = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  session: GroupSession,
  cancelledPlaces: Type.Array(Appointment, { description: 'the places cancelled now, each refunded by the cancellation policy (a doctor’s cancellation: in full)' }),
});
export const PlaceBooked = Type.Object({ success: Type.Boolean(), message: Type.String(), appointment: Appointment });
