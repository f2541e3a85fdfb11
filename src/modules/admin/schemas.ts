import { Type } from 'typebox';
import { OtpField } from '../auth/schemas.js';
import { Email, IdString, Password } from '../../lib/schemas.js';

export const AdminLoginBody = Type.Object({ email: Type.Optional(Email), password: Type.Optional(Password), otp: OtpField }, { additionalProperties: false });

export const DocIdBody = Type.Object({ docId: IdString('doctor id') }, { additionalProperties: false });
