import { Type } from 'typebox';
import { Email, Password } from '../../lib/schemas.js';

const Secret = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });

export const RefreshBody = Type.Object({ refreshToken: Secret('the refresh token from login or the last refresh') }, { additionalProperties: false });

export const LogoutBody = Type.Object(
  {
    refreshToken: Type.Optional(Secret('also end the session of this refresh token')),
    everywhere: Type.Optional(Type.Boolean({ description: 'end every session of the account (all devices), not only this one' })),
  },
  { additionalProperties: false },
);

export const SessionTokensResponse = Type.Object({ success: Type.Boolean(), token: Type.String(), refreshToken: Type.String() });

export const ForgotPasswordBody = Type.Object({ email: Email }, { additionalProperties: false });

export const ResetPasswordBody = Type.Object(
  { token: Secret('the token from the reset link'), password: Password },
  { additionalProperties: false },
);

export const ChangePasswordBody = Type.Object(
  { oldPassword: Password, newPassword: Password },
  { additionalProperties: false },
);

export const TotpCodeBody = Type.Object(
  { code: Type.String({ minLength: 1, maxLength: 20, description: 'a 6-digit authenticator code, or a recovery code' }) },
  { additionalProperties: false },
);

export const TotpSetupResponse = Type.Object({ success: Type.Boolean(), secret: Type.String(), otpauthUrl: Type.String() });

export const TotpConfirmResponse = Type.Object({ success: Type.Boolean(), message: Type.String(), recoveryCodes: Type.Array(Type.String()) });

export const TotpStatusResponse = Type.Object({ success: Type.Boolean(), enabled: Type.Boolean() });

/** The optional second-factor field of the doctor and admin login bodies. */
export const OtpField = Type.Optional(Type.String({ maxLength: 20, description: 'authenticator or recovery code, when two-factor authentication is on' }));
