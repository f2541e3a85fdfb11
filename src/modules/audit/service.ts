// The audit log: who changed what, when, from where, and every login attempt. Entries come from
// one place, the response hook in hook.ts; this service stores and lists them.
import { badRequest } from '../../lib/errors.js';
import { DATE_FORMAT_MESSAGES, DAY_OR_INSTANT } from '../../lib/schemas.js';
import { parseDayOrInstant } from '../../lib/time.js';
import type { Warn } from '../../lib/logger.js';
import type { AuditEntry, AuditFilter, AuditRecord, AuditRepo } from './repo.js';

export class AuditService {
  constructor(
    private readonly repo: AuditRepo,
    private readonly warn: Warn,
  ) {}

  /** Stores an entry. A failure is logged, never thrown: auditing must not break the request it records. */
  async record(entry: AuditEntry): Promise<void> {
    try {
      await this.repo.insert(entry);
    } catch (err) {
      this.warn(`audit entry ${entry.action} not stored`, err);
    }
  }

  async list(filter: Omit<AuditFilter, 'from' | 'to'> & { from?: string; to?: string }): Promise<{ entries: AuditRecord[]; total: number }> {
    const from = parseInstant(filter.from, 'from');
    const to = parseInstant(filter.to, 'to');
    if (from && to && from >= to) throw badRequest('from must be before to');
    return this.repo.list({ ...filter, from, to });
  }
}

function parseInstant(v: string | undefined, name: string): Date | undefined {
  if (v === undefined) return undefined;
  const d = parseDayOrInstant(v);
  if (!d) throw badRequest(`${name} ${DATE_FORMAT_MESSAGES[DAY_OR_INSTANT]}`);
  return d;
}
