import { Type } from 'typebox';
import { OtpField } from '../auth/schemas.js';
import { AddressInput, Email, IdString, NewPassword, Password } from '../../lib/schemas.js';

export const AdminLoginBody = Type.Object({ email: Type.Optional(Email), password: Type.Optional(Password), otp: OtpField }, { additionalProperties: false });

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

export const DocIdBody = Type.Object({ docId: IdString('doctor id') }, { additionalProperties: false });
