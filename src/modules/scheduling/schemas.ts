import { Type } from 'typebox';
import { CalendarDate, ConsultationModes, IdString, Instant } from '../../lib/schemas.js';
import { GroupSession } from '../group-sessions/schemas.js';

const Clock = (description: string) => Type.String({ pattern: '^\\d{2}:\\d{2}$', description });
const IsoDate = CalendarDate;

export const DocIdParams = Type.Object({ docId: IdString('doctor id') }, { additionalProperties: false });
export const TimeOffParams = Type.Object({ id: IdString('time-off id') }, { additionalProperties: false });
export const DocTimeOffParams = Type.Object({ docId: IdString('doctor id'), id: IdString('time-off id') }, { additionalProperties: false });

export const SlotsQuery = Type.Object(
  {
    from: Type.Optional(IsoDate('first local date (default: today in the doctor’s zone)')),
    to: Type.Optional(IsoDate('last local date, inclusive (default: from + 6 days)')),
  },
  { additionalProperties: false },
);

export const WorkingRangeIn = Type.Object(
  {
    weekday: Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday … 6 = Saturday' }),
    start: Clock('`HH:MM`, 24-hour'),
    end: Clock('`HH:MM`, 24-hour; `24:00` ends at midnight'),
  },
  { additionalProperties: false },
);

export const HoursBody = Type.Object(
  { workingHours: Type.Array(WorkingRangeIn, { maxItems: 100, description: 'the whole week; breaks are the gaps between ranges' }) },
  { additionalProperties: false },
);

export const SettingsBody = Type.Object(
  {
    slotMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 480 })),
    slotIntervalMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 480, description: 'a slot starts this often from the start of each range' })),
    bufferMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 240 })),
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Asia/Kolkata' })),
    consultationModes: Type.Optional(ConsultationModes('how patients may book this doctor: `in_person`, `video` or both; existing bookings keep their mode')),
  },
  { additionalProperties: false },
);

export const TimeOffBody = Type.Object(
  {
    date: Type.Optional(IsoDate('one whole local day')),
    fromDate: Type.Optional(IsoDate('first whole local day')),
    toDate: Type.Optional(IsoDate('last whole local day, inclusive')),
    startsAt: Type.Optional(Instant('start of the time off')),
    endsAt: Type.Optional(Instant('end of the time off')),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const TimeOffOut = Type.Object({ id: Type.String(), startsAt: Type.String(), endsAt: Type.String(), reason: Type.Union([Type.String(), Type.Null()]) });

export const Schedule = Type.Object({
  docId: Type.String(),
  timeZone: Type.String(),
  slotMinutes: Type.Integer(),
  slotIntervalMinutes: Type.Integer(),
  bufferMinutes: Type.Integer(),
  available: Type.Boolean(),
  consultationModes: ConsultationModes('consultation modes offered'),
  workingHours: Type.Array(Type.Object({ weekday: Type.Integer(), start: Type.String(), end: Type.String() })),
  timeOff: Type.Array(TimeOffOut),
});

export const ScheduleOut = Type.Object({ success: Type.Boolean(), schedule: Schedule });

export const TimeOffCreated = Type.Object({ success: Type.Boolean(), message: Type.String(), timeOff: TimeOffOut });

export const FreeSlot = Type.Object({ slotDate: Type.String(), slotTime: Type.String(), startsAt: Type.String(), endsAt: Type.String() });

export const SlotsOut = Type.Object({
  success: Type.Boolean(),
  slots: Type.Array(FreeSlot),
  groupSessions: Type.Array(GroupSession, { description: 'open group sessions of the doctor not started yet (in the range when `from`/`to` are given): a kind of free time of its own, booked by place (POST /api/user/group-sessions/{id}/book)' }),
});
