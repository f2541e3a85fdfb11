// Drizzle definitions of the auth module's tables (DDL: db/migrations/0400_security.sql and 1300).
// Only this module's repos query them.
import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { ts } from '../../db/columns.js';
import type { Role } from './tokens.js';

/** One row per login; access tokens carry its id as `jti`. */
export const authSessions = pgTable('auth_sessions', {
  id: text('id').primaryKey(),
  role: text('role').$type<Role>().notNull(),
  accountId: text('account_id').notNull(),
  ip: text('ip'),
  createdAt: ts('created_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  revokedAt: ts('revoked_at'),
  revokeReason: text('revoke_reason'),
});

/** Refresh tokens, by SHA-256 hash; each use rotates (`used_at`). */
export const refreshTokens = pgTable('refresh_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  sessionId: text('session_id').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
});

/** Tokens issued before `revoked_before` are refused for the account. */
export const accountRevocations = pgTable(
  'account_revocations',
  {
    role: text('role').$type<Role>().notNull(),
    accountId: text('account_id').notNull(),
    revokedBefore: ts('revoked_before').notNull(),
  },
  (t) => [primaryKey({ columns: [t.role, t.accountId] })],
);

/** Single-use, expiring reset and set-password links, by SHA-256 hash. */
export const passwordResetTokens = pgTable('password_reset_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  role: text('role').$type<'patient' | 'doctor'>().notNull(),
  accountId: text('account_id').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
});

/** TOTP second factor; `confirmed_at` null while enrolment is unfinished. */
export const twoFactor = pgTable(
  'two_factor',
  {
    role: text('role').$type<Role>().notNull(),
    accountId: text('account_id').notNull(),
    secret: text('secret').notNull(),
    confirmedAt: ts('confirmed_at'),
    lastUsedStep: bigint('last_used_step', { mode: 'number' }).notNull().default(0),
    recoveryHashes: text('recovery_hashes').array().notNull().default([]),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.role, t.accountId] })],
);
