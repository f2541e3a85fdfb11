import { Type, type Static } from 'typebox';
import { CalendarDate, ConsultationMode, DocSnapshotOut, IdString, SlotDate, UserSnapshot } from '../../lib/schemas.js';

export const BookBody = Type.Object(
  {
    docId: IdString('doctor id'),
    slotDate: SlotDate(),
    slotTime: Type.String({ maxLength: 20, description: '`10:30 AM`, `10:30 am` or `14:30`' }),
    mode: Type.Optional(ConsultationMode('`in_person` (default) or `video`; a mode the doctor does not offer answers 409')),
  },
  { additionalProperties: false, examples: [{ docId: '6650f1c2a4b5c6d7e8f90123', slotDate: '2026-12-07', slotTime: '10:30 AM' }, { docId: '6650f1c2a4b5c6d7e8f90123', slotDate: '2026-12-07', slotTime: '11:00 AM', mode: 'video' }] },
);

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const Appointment = Type.Object({
  _id: Type.String(),
  userId: Type.String(),
  docId: Type.String(),
  slotDate: Type.String({ description: '`YYYY-MM-DD`; `d_m_yyyy` (day and month not padded) under LEGACY_CLIENTS' }),
  slotTime: Type.String({ description: '`hh:mm AM`' }),
  startsAt: Type.String({ description: 'UTC instant' }),
  endsAt: Type.String(),
  userData: UserSnapshot,
  docData: DocSnapshotOut,
  amount: Type.Number(),
  currency: Type.String(),
  date: Type.Number({ description: 'booking time, ms since epoch' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('completed'), Type.Literal('cancelled')]),
  cancelled: Type.Boolean(),
  payment: Type.Boolean(),
  isCompleted: Type.Boolean(),
  cancelledBy: Nullable(Type.String()),
  cancelReason: Nullable(Type.String()),
  cancelledAt: Nullable(Type.String()),
  refundAmount: Type.Union([Type.Number(), Type.Null()]),
  refundStatus: Nullable(Type.String()),
  paymentGateway: Nullable(Type.String()),
  paidAt: Nullable(Type.String()),
  completedAt: Nullable(Type.String()),
  mode: ConsultationMode('`in_person` or `video`'),
  videoLink: Nullable(Type.String({ description: 'the meeting link of a video appointment: shown to its patient and doctor only (never to the admin), from `videoOpensAt` while the appointment is pending or confirmed; null otherwise' })),
  groupSessionId: Nullable(Type.String({ description: 'the group session this appointment is a place in; null for a single appointment' })),
  seriesId: Nullable(Type.String({ description: 'the recurring series this appointment is an occurrence of; null for a single appointment' })),
  videoOpensAt: Nullable(Type.String({ description: 'when the meeting link is handed out (VIDEO_OPENS_MINUTES before the start); null for in-person and cancelled appointments' })),
});

/** An appointment as answered: what the serializer lets out (docData without the doctor's email). */
export type AppointmentAnswer = Static<typeof Appointment>;
/** A booking request as validated. */
export type BookRequest = Static<typeof BookBody>;

export const AppointmentList = Type.Object({ success: Type.Boolean(), appointments: Type.Array(Appointment) }, { additionalProperties: true });

export const AppointmentMessage = Type.Object({ success: Type.Boolean(), message: Type.String(), appointment: Appointment });

export const DoctorDash = Type.Object({
  success: Type.Boolean(),
  dashData: Type.Object({
    earnings: Type.Number(),
    appointments: Type.Integer(),
    patients: Type.Integer(),
    latestAppointments: Type.Array(Appointment),
  }),
});

export const AdminDash = Type.Object({
  success: Type.Boolean(),
  dashData: Type.Object({
    doctors: Type.Integer(),
    appointments: Type.Integer(),
    patients: Type.Integer(),
    latestAppointments: Type.Array(Appointment),
    totalDoctors: Type.Integer(),
    totalAppointments: Type.Integer(),
    totalPatients: Type.Integer(),
    pendingAppointments: Type.Integer(),
    confirmedAppointments: Type.Integer(),
    completedAppointments: Type.Integer(),
    cancelledAppointments: Type.Integer(),
    totalRevenue: Type.Number(),
  }),
});

export const RescheduleBody = Type.Object(
  {
    appointmentId: IdString('appointment id'),
    slotDate: SlotDate(),
    slotTime: Type.String({ maxLength: 20, description: '`10:30 AM`, `10:30 am` or `14:30`' }),
  },
  { additionalProperties: false, examples: [{ docId: '6650f1c2a4b5c6d7e8f90123', slotDate: '2026-12-07', slotTime: '10:30 AM' }] },
);

const IsoDate = CalendarDate;

export const AppointmentListQuery = Type.Object(
  {
    from: Type.Optional(IsoDate('first slot date, inclusive')),
    to: Type.Optional(IsoDate('last slot date, inclusive')),
    status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('completed'), Type.Literal('cancelled')])),
    docId: Type.Optional(IdString('doctor id')),
    userId: Type.Optional(IdString('patient id')),
    sort: Type.Optional(
      Type.Union([Type.Literal('startsAt'), Type.Literal('-startsAt'), Type.Literal('createdAt'), Type.Literal('-createdAt')], {
        description: 'field to sort by; a leading `-` sorts descending (default `-createdAt`, newest booking first; `createdAt`, booking order, under LEGACY_CLIENTS)',
      }),
    ),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'page number from 1; paginates the answer (adds `total`)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'page size (default 20); paginates the answer' })),
    cursor: Type.Optional(IdString('keyset pagination: the `nextCursor` of the previous page (the last appointment seen); as fast on page 50 000 as on page 1, `page` is then ignored')),
  },
  { additionalProperties: false },
);

export const AppointmentPageOut = Type.Object({
  success: Type.Boolean(),
  appointments: Type.Array(Appointment),
  total: Type.Optional(Type.Integer({ description: 'matching appointments (paginated answers only)' })),
  page: Type.Optional(Type.Integer()),
  limit: Type.Optional(Type.Integer()),
  nextCursor: Type.Optional(Type.String({ description: 'pass as `cursor` for the next page; absent on the last page' })),
});

/** Whether one requested time can be booked now, and why not (the series preview's occurrences). */
export const slotAvailabilityFields = {
  slotDate: Type.String({ description: '`YYYY-MM-DD`' }),
  slotTime: Type.String({ description: '`hh:mm AM`' }),
  startsAt: Type.String({ description: 'UTC instant' }),
  free: Type.Boolean({ description: 'can be booked now' }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'why not: the booking rule that refuses it, or `This time is already booked`; null when free' }),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'the status a booking rule refuses it with; null when free or only taken' }),
};
export const SlotAvailabilityOut = Type.Object(slotAvailabilityFields);
