// HTTP glue shared by the three login routes (patients, doctors, admin): after the account's
// service has checked the password, ask for the second factor when it is on, open a session and
// tell the audit hook who logged in.
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { SessionTokens } from './sessions.js';
import type { Role } from './tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** the account a login or registration resolved to, for the audit log */
    auditActor?: { role: Role; id: string };
  }
}

export async function openSession(
  ctx: Pick<AppContext, 'sessions' | 'twoFactor'>,
  request: FastifyRequest,
  role: Role,
  accountId: string,
  otp?: string,
): Promise<SessionTokens> {
  request.auditActor = { role, id: accountId };
  await ctx.twoFactor.checkLogin(role, accountId, otp);
  return ctx.sessions.start(role, accountId, request.ip);
}
