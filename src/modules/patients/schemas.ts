import { Type } from 'typebox';
import { AddressInput, Email, NewPassword, Password, UserSnapshot } from '../../lib/schemas.js';
import { OtpField } from '../auth/schemas.js';

export const RegisterBody = Type.Object(
  { name: Type.String({ maxLength: 100 }), email: Email, password: NewPassword },
  // a missing field answers 400 "Missing Details", the spec's wording (plugins/errors.ts)
  { additionalProperties: false, examples: [{ name: 'Asha Rao', email: 'asha@example.com', password: 'a-long-Passphrase-1' }] },
);

export const LoginBody = Type.Object(
  { email: Type.Optional(Email), password: Type.Optional(Password), otp: OtpField },
  { additionalProperties: false, examples: [{ email: 'asha@example.com', password: 'a-long-Passphrase-1' }] },
);

export const TokenResponse = Type.Object(
  { success: Type.Boolean(), token: Type.String(), refreshToken: Type.Optional(Type.String({ description: 'swap at POST …/refresh for a new token' })) },
  { additionalProperties: true },
);

/** A patient as the API shows them: the same shape an appointment keeps as its `userData` snapshot. */
export const UserData = UserSnapshot;

/** Fields a patient may change. Anything else (payment, isCompleted, amount, email, password…) is dropped. */
export const UpdateProfileBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 100 })),
    phone: Type.Optional(Type.String({ maxLength: 30 })),
    address: Type.Optional(AddressInput),
    dob: Type.Optional(Type.String({ maxLength: 20 })),
    gender: Type.Optional(Type.String({ maxLength: 20 })),
  },
  { additionalProperties: false },
);
