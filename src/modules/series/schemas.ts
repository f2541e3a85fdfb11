import { Type } from 'typebox';
import { ConsultationMode, IdString, SlotDate } from '../../lib/schemas.js';
import { Appointment, slotAvailabilityFields } from '../appointments/schemas.js';

const seriesFields = {
  slotDate: SlotDate('date of the first occurrence, in the doctor’s zone: `YYYY-MM-DD` or legacy `d_m_yyyy`'),
  slotTime: Type.String({ maxLength: 20, description: 'the time of every occurrence: `10:30 AM`, `10:30 am` or `14:30`' }),
  cadence: Type.Union([Type.Literal('weekly'), Type.Literal('biweekly')], { description: '`weekly` (every 7 days) or `biweekly` (every 14 days)' }),
  count: Type.Integer({ minimum: 2, maximum: 12, description: 'occurrences in the series, 2 to 12' }),
  mode: Type.Optional(ConsultationMode('`in_person` (default) or `video`, as for a single booking')),
};
/** A series as asked for: its first date and time, the cadence and how many occurrences. */
export const SeriesRequestFields = Type.Object(seriesFields);
const slotDates = Type.Array(SlotDate('a date of the series'), {
  minItems: 2, maxItems: 12, description: 'the occurrences to book (dates from the preview), at least 2: all of them are booked or none',
});
const example = { slotDate: '2026-12-07', slotTime: '10:30 AM', cadence: 'weekly', count: 4 };
const docId = IdString('doctor id');
const userId = IdString('patient id: a patient who has booked with this doctor before');

export const PatientPreviewBody = Type.Object({ docId, ...seriesFields }, { additionalProperties: false, examples: [{ docId: '6650f1c2a4b5c6d7e8f90123', ...example }] });
export const PatientConfirmBody = Type.Object(
  { docId, ...seriesFields, slotDates },
  { additionalProperties: false, examples: [{ docId: '6650f1c2a4b5c6d7e8f90123', ...example, slotDates: ['2026-12-07', '2026-12-14', '2026-12-28'] }] },
);
export const DoctorPreviewBody = Type.Object({ userId, ...seriesFields }, { additionalProperties: false, examples: [{ userId: '6650f1c2a4b5c6d7e8f90456', ...example }] });
export const DoctorConfirmBody = Type.Object(
  { userId, ...seriesFields, slotDates },
  { additionalProperties: false, examples: [{ userId: '6650f1c2a4b5c6d7e8f90456', ...example, slotDates: ['2026-12-07', '2026-12-14'] }] },
);

export const SeriesParams = Type.Object({ id: IdString('series id') }, { additionalProperties: false });
export const CancelRestBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    fromDate: Type.Optional(SlotDate('cancel the occurrences on or after this date only (default: every one not started yet)')),
  },
  { additionalProperties: false },
);

export const Occurrence = Type.Object({
  index: Type.Integer({ description: '0 for the first occurrence' }),
  ...slotAvailabilityFields,
});

export const PreviewOut = Type.Object({
  success: Type.Boolean(),
  occurrences: Type.Array(Occurrence),
});

export const Series = Type.Object({
  _id: Type.String(),
  docId: Type.String(),
  userId: Type.String(),
  cadence: Type.Union([Type.Literal('weekly'), Type.Literal('biweekly')]),
  occurrences: Type.Integer({ description: 'occurrences booked with the series' }),
  slotTime: Type.String(),
  mode: ConsultationMode('`in_person` or `video`'),
  bookedBy: Type.Union([Type.Literal('patient'), Type.Literal('doctor')]),
  createdAt: Type.String(),
  appointments: Type.Array(Appointment, { description: 'its appointments, soonest first, in whatever state' }),
});

export const SeriesOut = Type.Object({ success: Type.Boolean(), message: Type.String(), series: Series });
export const SeriesGetOut = Type.Object({ success: Type.Boolean(), series: Series });
export const SeriesCancelled = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  series: Series,
  cancelled: Type.Array(Appointment, { description: 'the occurrences cancelled now, each refunded by the cancellation policy' }),
});
