import { randomUUID } from 'node:crypto';
import { createSigner, createVerifier, TokenError } from 'fast-jwt';
import { actFor } from '../../lib/request-scope.js';

export type Role = 'patient' | 'doctor' | 'admin';

export interface AccessClaims {
  id: string;
  role: Role;
  jti: string;
  iat: number;
  exp: number;
}

/** Decides whether a token issued at `iat` with id `jti` was revoked; issue-specific stores plug in. */
export type RevocationCheck = (claims: AccessClaims) => Promise<boolean>;

export interface TokenService {
  /** `sessionId` binds the token to a login (auth/sessions.ts), so revoking the session refuses it. */
  sign(id: string, role: Role, sessionId?: string): string;
  /** Returns the claims, or a reason the token is refused. */
  verify(token: string): Promise<AccessClaims | { error: 'expired' | 'invalid' | 'revoked' }>;
}

/** How far a signer's clock may run ahead of ours before its `iat` counts as "in the future". */
export const CLOCK_SKEW_SECONDS = 60;

/** @param revoked asked for every token that is otherwise valid (auth/revocations.ts) */
export function createTokenService(secret: string, expiresInSeconds: number, revoked: RevocationCheck = async () => false, nowMs: () => number = Date.now): TokenService {
  // HS256 pinned on both sides: a token with alg "none" or an RSA/EC header is refused (no key confusion).
  const signer = createSigner({ key: secret, algorithm: 'HS256', expiresIn: expiresInSeconds * 1000 });
  const verifier = createVerifier({ key: secret, algorithms: ['HS256'], cache: 1000 });
  return {
    sign(id, role, sessionId) {
      // registration and login write for an account before any token names it
      actFor(role, id);
      return signer({ id, role, jti: sessionId ? `${sessionId}.${randomUUID()}` : randomUUID() });
    },
    async verify(token) {
      let claims: AccessClaims;
      try {
        claims = verifier(token) as AccessClaims;
      } catch (err) {
        if (err instanceof TokenError && err.code === TokenError.codes.expired) return { error: 'expired' };
        return { error: 'invalid' };
      }
      if (typeof claims.id !== 'string' || !['patient', 'doctor', 'admin'].includes(claims.role)) return { error: 'invalid' };
      // Every token we sign has an id, a start and an end no further than the configured lifetime:
      // one without `exp` would never end, one with `iat` ahead of now would outlive a password
      // change or an account's cut-off (they compare `iat`). Such a token was not signed here.
      const now = Math.floor(nowMs() / 1000);
      if (typeof claims.jti !== 'string' || !Number.isFinite(claims.iat) || !Number.isFinite(claims.exp)) return { error: 'invalid' };
      if (claims.iat > now + CLOCK_SKEW_SECONDS || claims.exp - claims.iat > expiresInSeconds + CLOCK_SKEW_SECONDS) return { error: 'invalid' };
      if (await revoked(claims)) return { error: 'revoked' };
      return claims;
    },
  };
}
