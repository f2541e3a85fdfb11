// SQL for the audit log (table: 0400_security.sql).
import type { Database } from '../../db/client.js';

export interface AuditEntry {
  actorRole?: 'patient' | 'doctor' | 'admin';
  actorId?: string;
  action: string;
  targetType?: string;
  targetId?: string;
  outcome: 'success' | 'failure';
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

export interface AuditRecord {
  _id: string;
  at: string;
  actorRole: string | null;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  statusCode: number;
  ip: string | null;
  detail: Record<string, unknown>;
}

export class AuditRepo {
  constructor(private readonly database: Database) {}

  async insert(e: AuditEntry): Promise<void> {
    await this.database.query(
      `INSERT INTO audit_log (at, actor_role, actor_id, action, target_type, target_id, outcome, status_code, ip, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        e.at.toISOString(),
        e.actorRole ?? null,
        e.actorId ?? null,
        e.action,
        e.targetType ?? null,
        e.targetId ?? null,
        e.outcome,
        e.statusCode,
        e.ip ?? null,
        JSON.stringify(e.detail ?? {}),
      ],
    );
  }

  async list(f: AuditFilter): Promise<{ entries: AuditRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown) => {
      params.push(value);
      where.push(clause.replace('?', `$${params.length}`));
    };
    if (f.action) add('action = ?', f.action);
    if (f.actorRole) add('actor_role = ?', f.actorRole);
    if (f.actorId) add('actor_id = ?', f.actorId);
    if (f.targetId) add('target_id = ?', f.targetId);
    if (f.outcome) add('outcome = ?', f.outcome);
    if (f.from) add('at >= ?', f.from.toISOString());
    if (f.to) add('at < ?', f.to.toISOString());
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ n }] = await this.database.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log ${whereSql}`, params);
    const rows = await this.database.query<{
      id: string | number;
      at: string | Date;
      actor_role: string | null;
      actor_id: string | null;
      action: string;
      target_type: string | null;
      target_id: string | null;
      outcome: string;
      status_code: number;
      ip: string | null;
      detail: Record<string, unknown> | string;
    }>(
      `SELECT id, at, actor_role, actor_id, action, target_type, target_id, outcome, status_code, ip, detail
         FROM audit_log ${whereSql} ORDER BY at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, f.limit, (f.page - 1) * f.limit],
    );
    return {
      total: n,
      entries: rows.map((r) => ({
        _id: String(r.id),
        at: new Date(r.at).toISOString(),
        actorRole: r.actor_role,
        actorId: r.actor_id,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        outcome: r.outcome,
        statusCode: r.status_code,
        ip: r.ip,
        detail: typeof r.detail === 'string' ? (JSON.parse(r.detail) as Record<string, unknown>) : r.detail,
      })),
    };
  }
}
