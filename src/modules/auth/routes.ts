// Session and account-recovery routes, registered under each role's prefix:
//   every role:        POST /refresh, POST /logout
//   patient, doctor:   POST /forgot-password, POST /reset-password, POST /change-password
//   every role:        GET /2fa, POST /2fa/setup, POST /2fa/confirm, POST /2fa/disable
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { unauthorized } from '../../lib/errors.js';
import { errors, Message } from '../../lib/schemas.js';
import { authenticate, authId } from './guards.js';
import { FORGOT_PASSWORD_MESSAGE } from './resets.js';
import { sessionIdOf } from './revocations.js';
import {
  ChangePasswordBody,
  ForgotPasswordBody,
  LogoutBody,
  RefreshBody,
  ResetPasswordBody,
  SessionTokensResponse,
  TotpCodeBody,
  TotpConfirmResponse,
  TotpSetupResponse,
  TotpStatusResponse,
} from './schemas.js';
import type { Role } from './tokens.js';

const security = [{ bearer: [] }];

/** The forgot-password work of each answered request, started by the route's onResponse hook. */
const forgotWork = new WeakMap<object, () => void>();
const tagOf: Record<Role, string> = { patient: 'patients', doctor: 'doctors', admin: 'admin' };

function sessionRoutes(role: Role): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { sessions, tokens, passwordResets, passwords, twoFactor } = app.ctx;
    const tags = [tagOf[role]];
    const who = { patient: 'Patient', doctor: 'Doctor', admin: 'Admin' }[role];
    // Every guarded route here stays open to a doctor with a temporary password (auth/guards.ts):
    // they must be able to change it, log out and set up 2FA.
    const guarded = { audit: true, allowTemporaryPassword: true };
    // a code or a password is checked: under the limits of sensitive routes (plugins/security.ts)
    const guessable = { ...guarded, authRateLimit: 'failures' as const };

    app.post('/refresh', {
      config: { audit: true, public: true, authRateLimit: 'failures' },
      schema: { tags, operationId: `refresh${who}Session`, summary: 'Swap a refresh token for a new access token and refresh token (rotation)', body: RefreshBody, response: { 200: SessionTokensResponse, ...errors(401) } },
    }, async (request) => ({ success: true, ...(await sessions.refresh(role, request.body.refreshToken)) }));

    // Logout takes the access token, or the refresh token alone: a client whose access token has
    // already expired must still be able to end its session. Checked before the body is validated,
    // so a bad token without a refresh token to fall back on is refused as on every guarded route.
    app.post('/logout', {
      preValidation: async (request) => {
        // most clients send no body at all: that is a logout without a refresh token
        if (request.body === undefined || request.body === null) request.body = {};
        try {
          request.auth = await authenticate(tokens, request, role, { allowTemporaryPassword: true });
        } catch (err) {
          if (typeof (request.body as { refreshToken?: unknown }).refreshToken !== 'string') throw err;
        }
      },
      // the role's guard is left out: this hook checks the token itself
      config: { audit: true, public: true },
      schema: {
        tags,
        operationId: `logout${who}`,
        summary: 'End this session (its access and refresh tokens stop working), or with { everywhere: true } every session of the account; with an expired access token, send { refreshToken }',
        security,
        body: LogoutBody,
        response: { 200: Message },
      },
    }, async (request) => {
      const refreshToken = request.body?.refreshToken;
      if (request.auth && request.body?.everywhere) await sessions.revokeAccount(role, request.auth.id, 'logout-everywhere');
      else if (request.auth) await sessions.logout(request.auth, refreshToken);
      else if (refreshToken) request.auditActor = { role, id: (await sessions.logoutWithRefresh(role, refreshToken)).accountId };
      else throw unauthorized();
      return { success: true, message: 'Logged out' };
    });

    if (role !== 'admin') {
      app.post('/forgot-password', {
        config: { audit: true, public: true, authRateLimit: 'every-call' },
        // the look-up and the mail start once the answer has left (auth/resets.ts)
        onResponse: async (request) => forgotWork.get(request)?.(),
        schema: { tags, operationId: `forgot${who}Password`, summary: 'Email a single-use password reset link (same answer whether or not the email is registered)', body: ForgotPasswordBody, response: { 200: Message } },
      }, async (request) => {
        forgotWork.set(request, (await passwordResets.forgot(role, request.body.email)).start);
        return { success: true, message: FORGOT_PASSWORD_MESSAGE };
      });

      app.post('/reset-password', {
        config: { audit: true, public: true, authRateLimit: 'failures' },
        schema: { tags, operationId: `reset${who}Password`, summary: 'Set a new password with the token of a reset link; ends every session', body: ResetPasswordBody, response: { 200: Message } },
      }, async (request) => {
        await passwordResets.reset(role, request.body.token, request.body.password);
        return { success: true, message: 'Password updated, please login again' };
      });

      app.post('/change-password', {
        config: guessable,
        schema: { tags, operationId: `change${who}Password`, summary: 'Change the password (needs the current one); ends every session', security, body: ChangePasswordBody, response: { 200: Message } },
      }, async (request) => {
        await passwords.change(role, authId(request), request.body.oldPassword, request.body.newPassword);
        return { success: true, message: 'Password changed, please login again' };
      });
    }

    app.get('/2fa', {
      config: { allowTemporaryPassword: true },
      schema: { tags, operationId: `get${who}TwoFactor`, summary: 'Is two-factor authentication on?', security, response: { 200: TotpStatusResponse } },
    }, async (request) => ({ success: true, enabled: await twoFactor.isEnabled(role, authId(request)) }));

    app.post('/2fa/setup', {
      config: guarded,
      schema: { tags, operationId: `setup${who}TwoFactor`, summary: 'Start two-factor enrolment: a TOTP secret and its otpauth:// URL for an authenticator app', security, response: { 200: TotpSetupResponse, ...errors(409) } },
    }, async (request) => ({ success: true, ...(await twoFactor.setup(role, authId(request))) }));

    app.post('/2fa/confirm', {
      config: guessable,
      schema: { tags, operationId: `confirm${who}TwoFactor`, summary: 'Turn two-factor authentication on with a first code; answers ten single-use recovery codes', security, body: TotpCodeBody, response: { 200: TotpConfirmResponse, ...errors(409) } },
    }, async (request) => ({
      success: true,
      message: 'Two-factor authentication is on',
      recoveryCodes: await twoFactor.confirm(role, authId(request), request.body.code, request.auth && sessionIdOf(request.auth).id),
    }));

    app.post('/2fa/disable', {
      config: guessable,
      schema: { tags, operationId: `disable${who}TwoFactor`, summary: 'Turn two-factor authentication off (needs a code)', security, body: TotpCodeBody, response: { 200: Message } },
    }, async (request) => {
      await twoFactor.disable(role, authId(request), request.body.code);
      return { success: true, message: 'Two-factor authentication is off' };
    });
  };
}

export const patientSessionRoutes = sessionRoutes('patient');
export const doctorSessionRoutes = sessionRoutes('doctor');
export const adminSessionRoutes = sessionRoutes('admin');
