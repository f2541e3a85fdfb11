// Builds the security services of one app (sessions, password resets and changes, second factor)
// and plugs session revocation into the token service.
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { RedisClient } from '../../lib/redis.js';
import { AccountRepo } from './accounts.repo.js';
import { PasswordChangeService } from './password-change.js';
import { PasswordResetService } from './resets.js';
import { ResetLinkRepo } from './resets.repo.js';
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

export function createSecurityServices(deps: {
  config: Config;
  database: Database;
  clock: Clock;
  tokens: TokenService;
  redis?: RedisClient;
  sendMail: (msg: { to: string; subject: string; text: string; topic: string }) => Promise<unknown>;
  warn: Warn;
}): SecurityServices {
  const { config, database, clock, tokens, redis, warn } = deps;
  const accounts = new AccountRepo(database);
  const sessions = new SessionService(new SessionRepo(database.db), tokens, config, clock, redis, warn);
  tokens.setRevocationCheck((claims) => sessions.isRevoked(claims));
  const passwordResets = new PasswordResetService(new ResetLinkRepo(database.db), accounts, sessions, deps.sendMail, config, clock, warn);
  return {
    sessions,
    passwordResets,
    passwords: new PasswordChangeService(accounts, sessions, (role, id) => passwordResets.useUpLinks(role, id)),
    twoFactor: new TwoFactorService(new TwoFactorRepo(database.db), accounts, clock, config.security.totpIssuer, (role, id, keep) =>
      sessions.revokeAccount(role, id, '2fa-enabled', { keep })),
  };
}
