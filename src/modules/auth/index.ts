// Builds the security services of one app: the revocation check the token service asks, then
// sessions, password resets and changes, second factor.
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { RedisClient } from '../../lib/redis.js';
import { AccountRepo } from './accounts.repo.js';
import { PasswordChangeService } from './password-change.js';
import { PasswordResetService } from './resets.js';
import { ResetLinkRepo } from './resets.repo.js';
import { Revocations } from './revocations.js';
import { SessionService } from './sessions.js';
import { SessionRepo } from './sessions.repo.js';
import type { TokenService } from './tokens.js';
import { TwoFactorService } from './two-factor.js';
import { TwoFactorRepo } from './two-factor.repo.js';
import type { Warn } from '../../lib/logger.js';

export interface SecurityServices {
  sessions: SessionService;
  passwordResets: PasswordResetService;
  passwords: PasswordChangeService;
  twoFactor: TwoFactorService;
}

/** The revocation check, built before the token service that asks it on every request. */
export function createRevocations(deps: { config: Config; database: Database; clock: Clock; redis?: RedisClient; warn: Warn }): Revocations {
  return new Revocations(new SessionRepo(deps.database.db), deps.config, deps.clock, deps.redis, deps.warn);
}

export function createSecurityServices(deps: {
  config: Config;
  database: Database;
  clock: Clock;
  tokens: TokenService;
  revocations: Revocations;
  sendMail: (msg: { to: string; subject: string; text: string; topic: string }) => Promise<unknown>;
  warn: Warn;
}): SecurityServices {
  const { config, database, clock, tokens, warn } = deps;
  const accounts = new AccountRepo(database);
  const sessions = new SessionService(new SessionRepo(database.db), tokens, deps.revocations, config, clock);
  const passwordResets = new PasswordResetService(new ResetLinkRepo(database.db), accounts, sessions, deps.sendMail, config, clock, warn);
  return {
    sessions,
    passwordResets,
    passwords: new PasswordChangeService(accounts, sessions, (role, id) => passwordResets.useUpLinks(role, id)),
    twoFactor: new TwoFactorService(new TwoFactorRepo(database.db), accounts, clock, config.security.totpIssuer, (role, id, keep) =>
      sessions.revokeAccount(role, id, '2fa-enabled', { keep })),
  };
}
