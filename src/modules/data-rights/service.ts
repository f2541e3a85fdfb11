// Patients’ data rights: a patient (or the admin on the patient's request) downloads all
// the data held about them, or deletes the account. Deletion erases the personal data and keeps the
// appointment and payment records, tied by ids only, for the accounts the law requires.
import { badRequest, conflict, notFound } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { verifyPassword } from '../auth/passwords.js';
import type { SessionService } from '../auth/sessions.js';
import type { MediaService } from '../media/service.js';
import type { PatientService, UserData } from '../patients/service.js';
import type { DataRightsRepo } from './repo.js';

export const EXPORT_FORMAT = 'prescripto-patient-export/1';

export interface PatientExport {
  format: string;
  exportedAt: string;
  profile: UserData & { createdAt: string; twoFactorEnabled: boolean };
  appointments: Record<string, unknown>[];
  payments: { orders: Record<string, unknown>[]; refunds: Record<string, unknown>[] };
  notifications: Record<string, unknown>[];
  emails: Record<string, unknown>[];
  messages: Record<string, unknown>[];
  reviews: Record<string, unknown>[];
  waitlist: Record<string, unknown>[];
}

export class DataRightsService {
  constructor(
    private readonly repo: DataRightsRepo,
    private readonly patients: PatientService,
    private readonly sessions: SessionService,
    private readonly media: MediaService,
    private readonly clock: Clock,
  ) {}

  async exportData(patientId: string): Promise<PatientExport> {
    const row = await this.patients.get(patientId); // 404 for an unknown or deleted account
    const rows = await this.repo.exportOf(patientId, row.email);
    return {
      format: EXPORT_FORMAT,
      exportedAt: this.clock.now().toISOString(),
      profile: { ...this.patients.view(row), createdAt: row.createdAt.toISOString(), twoFactorEnabled: rows.twoFactorEnabled },
      appointments: rows.appointments.map(camel),
      payments: { orders: rows.paymentOrders.map(camel), refunds: rows.paymentRefunds.map(camel) },
      notifications: rows.notifications.map(camel),
      emails: rows.emails.map(camel),
      messages: rows.messages.map(camel),
      reviews: rows.reviews.map(camel),
      waitlist: rows.waitlist.map(camel),
    };
  }

  /** The patient deletes their own account: the password again, so a token left on a shared device cannot. */
  async deleteOwnAccount(patientId: string, password: string): Promise<void> {
    const row = await this.patients.get(patientId);
    if (!(await verifyPassword(password, row.passwordHash))) throw badRequest('The password is not correct');
    await this.erase(patientId);
  }

  async erase(patientId: string): Promise<void> {
    const outcome = await this.repo.erase(patientId, this.clock.now());
    switch (outcome.result) {
      case 'not-found':
        throw notFound('User not found');
      case 'future-appointment':
        throw conflict(`The account has ${outcome.count} upcoming appointment(s): cancel them before deleting the account`);
      case 'pending-refund':
        throw conflict(`The account has ${outcome.count} refund(s) still in progress: it can be deleted once they are settled`);
      case 'erased':
        break;
    }
    // the trigger ended the sessions in the database; this drops them from the in-process and Redis caches
    await this.sessions.revokeAccount('patient', patientId, 'account-deleted');
    // best effort, after the commit
    for (const url of [outcome.image, ...outcome.messageImages]) await this.media.removeImage(url);
  }
}

function camel(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}
