import { Type, type Static } from 'typebox';
import { OtpField } from '../auth/schemas.js';
import { AddressInput, ConsultationModes, DocSnapshotOut, Email, FeesInput, NewPassword, Password } from '../../lib/schemas.js';
import { TokenResponse } from '../patients/schemas.js';

/** The login answer, plus `mustChangePassword` while the admin's temporary password is in use. */
export const DoctorTokenResponse = Type.Object(
  {
    ...TokenResponse.properties,
    mustChangePassword: Type.Optional(Type.Boolean({ description: 'true: change the temporary password (POST /api/doctor/change-password) before using other doctor routes; never sent under LEGACY_CLIENTS, where admin-given passwords are not temporary' })),
  },
  { additionalProperties: true },
);

export const DoctorLoginBody = Type.Object({ email: Type.Optional(Email), password: Type.Optional(Password), otp: OtpField }, { additionalProperties: false });

const SlotsBooked = Type.Record(Type.String(), Type.Array(Type.String()), {
  description: 'live booked slots by date: `YYYY-MM-DD` and legacy `d_m_yyyy` keys → `hh:mm AM` times; under LEGACY_CLIENTS the `d_m_yyyy` keys of the next 7 days also list every time of the original apps’ grid (10:00–20:30, every 30 minutes) that cannot be booked, as `10:00 AM`, `10:00 am` and `10:00`',
});

const publicFields = {
  // what an appointment's `docData` shows of its doctor, and more
  ...DocSnapshotOut.properties,
  available: Type.Boolean(),
  date: Type.Number({ description: 'registration time, ms since epoch' }),
  slots_booked: SlotsBooked,
  timeZone: Type.String(),
  slotMinutes: Type.Integer(),
  consultationModes: ConsultationModes('how the doctor can be consulted: in person, by video, or both'),
  // added for reviews (docs/care-between-visits.md); old clients ignore them
  ratingAverage: Type.Union([Type.Number(), Type.Null()], { description: 'mean of the visible reviews’ ratings (1–5, two decimals); null while there are none' }),
  ratingCount: Type.Integer({ description: 'number of visible reviews' }),
};

/** The public shape: the serializer drops everything else, so password and email can never leak. */
export const PublicDoctor = Type.Object(publicFields);
export type PublicDoctor = Static<typeof PublicDoctor>;

export const DoctorProfile = Type.Object({
  ...publicFields,
  email: Type.String(),
  bufferMinutes: Type.Integer(),
  slotIntervalMinutes: Type.Integer(),
});
export type DoctorProfile = Static<typeof DoctorProfile>;

/** add-doctor form fields (multipart; the picture comes in file field `image`). */
export const AddDoctorBody = Type.Object(
  {
    name: Type.String({ maxLength: 100 }),
    email: Email,
    password: Type.Optional(NewPassword),
    speciality: Type.String({ maxLength: 100 }),
    degree: Type.String({ maxLength: 100 }),
    experience: Type.String({ maxLength: 50 }),
    about: Type.String({ maxLength: 5000 }),
    fees: Type.Number({ minimum: 0 }),
    address: AddressInput,
  },
  // a missing field answers 400 "Missing Details", the spec's wording (plugins/errors.ts)
  { additionalProperties: false },
);

export const DoctorUpdateBody = Type.Object(
  {
    fees: Type.Optional(FeesInput),
    address: Type.Optional(AddressInput),
    about: Type.Optional(Type.String({ maxLength: 5000 })),
    available: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const ChangeAvailabilityBody = Type.Object({ available: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
