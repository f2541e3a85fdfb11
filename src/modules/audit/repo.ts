// Queries of the audit log (table: tables.ts, DDL 0400_security.sql).
import { and, count, desc, eq, gte, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { AuditRecord } from './schemas.js';
import { auditLog, type AuditActorRole, type AuditOutcome } from './tables.js';

export type { AuditRecord } from './schemas.js';

export interface AuditEntry {
  actorRole?: AuditActorRole;
  actorId?: string;
  action: string;
  targetType?: string;
  targetId?: string;
  outcome: AuditOutcome;
  statusCode: number;
  ip?: string;
  detail?: Record<string, string | number | boolean>;
  at: Date;
}

export interface AuditFilter {
  action?: string;
  actorRole?: string;
  actorId?: string;
  targetId?: string;
  outcome?: string;
  from?: Date;
  to?: Date;
  page: number;
  limit: number;
}

export class AuditRepo {
  constructor(private readonly db: Db) {}

  async insert(e: AuditEntry): Promise<void> {
    await this.db.insert(auditLog).values({
      at: e.at,
      actorRole: e.actorRole ?? null,
      actorId: e.actorId ?? null,
      action: e.action,
      targetType: e.targetType ?? null,
      targetId: e.targetId ?? null,
      outcome: e.outcome,
      statusCode: e.statusCode,
      ip: e.ip ?? null,
      detail: e.detail ?? {},
    });
  }

  async list(f: AuditFilter): Promise<{ entries: AuditRecord[]; total: number }> {
    const where = and(
      f.action ? eq(auditLog.action, f.action) : undefined,
      f.actorRole ? eq(auditLog.actorRole, f.actorRole as AuditActorRole) : undefined,
      f.actorId ? eq(auditLog.actorId, f.actorId) : undefined,
      f.targetId ? eq(auditLog.targetId, f.targetId) : undefined,
      f.outcome ? eq(auditLog.outcome, f.outcome as AuditOutcome) : undefined,
      f.from ? gte(auditLog.at, f.from) : undefined,
      f.to ? lt(auditLog.at, f.to) : undefined,
    );
    const [[{ n }], rows] = await Promise.all([
      this.db.select({ n: count() }).from(auditLog).where(where),
      this.db.select().from(auditLog).where(where).orderBy(desc(auditLog.at), desc(auditLog.id)).limit(f.limit).offset((f.page - 1) * f.limit),
    ]);
    return {
      total: n,
      entries: rows.map((r) => ({
        _id: String(r.id),
        at: r.at.toISOString(),
        actorRole: r.actorRole,
        actorId: r.actorId,
        action: r.action,
        targetType: r.targetType,
        targetId: r.targetId,
        outcome: r.outcome,
        statusCode: r.statusCode,
        ip: r.ip,
        detail: r.detail,
      })),
    };
  }
}
