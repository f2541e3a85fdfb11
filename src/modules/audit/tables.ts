// Drizzle definition of the audit log (DDL: db/migrations/0400_security.sql). Only the audit
// module's repo writes it; the patient's erasure (data-rights/repo.ts) strips emails from it.
import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export type AuditActorRole = 'patient' | 'doctor' | 'admin';
export type AuditOutcome = 'success' | 'failure';

export const auditLog = pgTable(
  'audit_log',
  {
    // bigserial: ids read back as text (`_id`), never as numbers past 2^53
    id: bigserial('id', { mode: 'bigint' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    actorRole: text('actor_role').$type<AuditActorRole>(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    outcome: text('outcome').$type<AuditOutcome>().notNull(),
    statusCode: integer('status_code').notNull(),
    ip: text('ip'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    check('audit_log_actor_role_check', sql`${t.actorRole} IN ('patient', 'doctor', 'admin')`),
    check('audit_log_outcome_check', sql`${t.outcome} IN ('success', 'failure')`),
    index('audit_log_at_idx').on(t.at.desc(), t.id.desc()),
    index('audit_log_actor_idx').on(t.actorRole, t.actorId, t.at.desc()),
    index('audit_log_action_idx').on(t.action, t.at.desc()),
    index('audit_log_target_idx').on(t.targetId, t.at.desc()),
  ],
);
