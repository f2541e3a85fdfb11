// SQL of patients' data rights: the export reads, and the erasure writes, rows of several modules
// (appointments, payments, notifications, auth, idempotency, audit). The erasure must be one
// transaction — a half-erased account (identity gone from the profile but still in a snapshot, or
// sessions alive after the profile went) is the failure it exists to prevent — so its statements
// live together here rather than in each owning repo.
import { sql } from 'drizzle-orm';
import type { Database, Db } from '../../db/client.js';

export const DELETED_NAME = 'Deleted patient';

export interface ExportRows {
  appointments: Record<string, unknown>[];
  paymentOrders: Record<string, unknown>[];
  paymentRefunds: Record<string, unknown>[];
  notifications: Record<string, unknown>[];
  emails: Record<string, unknown>[];
  messages: Record<string, unknown>[];
  reviews: Record<string, unknown>[];
  waitlist: Record<string, unknown>[];
  twoFactorEnabled: boolean;
}

export type ErasureOutcome =
  | { result: 'erased'; image: string | null; messageImages: string[] }
  | { result: 'not-found' }
  | { result: 'future-appointment'; count: number }
  | { result: 'pending-refund'; count: number };

const LIVE = ['pending', 'confirmed'];

/** Rows of a raw `execute` (node-postgres answers { rows }, PGlite the same shape). */
function rowsOf<T = Record<string, unknown>>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}

export class DataRightsRepo {
  constructor(
    private readonly database: Database,
    private readonly db: Db,
  ) {}

  async exportOf(patientId: string, email: string): Promise<ExportRows> {
    const q = this.database.query.bind(this.database);
    const [appointments, paymentOrders, paymentRefunds, notifications, emails, messages, reviews, waitlist, twoFactor] = await Promise.all([
      q(`SELECT id, doctor_id, slot_date, slot_time, starts_at, ends_at, user_data, doc_data, amount_minor, currency, status, paid,
                paid_at, payment_gateway, payment_ref, payment_id, cancelled_by, cancel_reason, cancelled_at, refund_minor,
                refund_status, refund_ref, completed_at, series_id, created_at, updated_at
           FROM appointments WHERE patient_id = $1 ORDER BY starts_at, id`, [patientId]),
      q(`SELECT id, gateway, appointment_id, amount_minor, currency, status, payment_id, created_at, updated_at
           FROM payment_orders WHERE patient_id = $1 ORDER BY created_at, id`, [patientId]),
      q(`SELECT r.id, r.appointment_id, r.kind, r.gateway, r.payment_id, r.amount_minor, r.currency, r.status, r.refund_state,
                r.refund_id, r.created_at, r.updated_at
           FROM payment_refunds r JOIN appointments a ON a.id = r.appointment_id
          WHERE a.patient_id = $1 ORDER BY r.created_at, r.id`, [patientId]),
      q(`SELECT id, type, title, body, appointment_id, read_at, created_at
           FROM notifications WHERE recipient_role = 'patient' AND recipient_id = $1 ORDER BY created_at, id`, [patientId]),
      q(`SELECT id, subject, text_body, topic, status, appointment_id, created_at, sent_at
           FROM notification_outbox WHERE lower(recipient) = lower($1) ORDER BY created_at, id`, [email]),
      q(`SELECT m.id, m.appointment_id, m.sender_role, m.body, m.images, m.created_at, m.read_at
           FROM appointment_messages m JOIN appointments a ON a.id = m.appointment_id
          WHERE a.patient_id = $1 ORDER BY m.created_at, m.id`, [patientId]),
      q(`SELECT id, appointment_id, doctor_id, rating, comment, author_name, reply, replied_at, hidden_at, created_at, updated_at
           FROM reviews WHERE patient_id = $1 ORDER BY created_at, id`, [patientId]),
      q(`SELECT e.id, e.doctor_id, e.from_date::text AS from_date, e.to_date::text AS to_date, e.part_of_day, e.status, e.joined_at,
                e.closed_at, e.appointment_id,
                coalesce((SELECT jsonb_agg(jsonb_build_object('slotDate', o.slot_date, 'status', o.status, 'expiresAt', o.expires_at) ORDER BY o.created_at)
                            FROM waitlist_offers o WHERE o.entry_id = e.id), '[]'::jsonb) AS offers
           FROM waitlist_entries e WHERE e.patient_id = $1 ORDER BY e.joined_at, e.id`, [patientId]),
      q<{ n: number }>(`SELECT count(*)::int AS n FROM two_factor WHERE role = 'patient' AND account_id = $1 AND confirmed_at IS NOT NULL`, [patientId]),
    ]);
    return { appointments, paymentOrders, paymentRefunds, notifications, emails, messages, reviews, waitlist, twoFactorEnabled: (twoFactor[0]?.n ?? 0) > 0 };
  }

  /**
   * Erases a patient in one transaction, or refuses. The patient row is locked first: a booking
   * racing the erasure waits on it (migration 1950) and is then refused, or commits first and is
   * then seen here.
   */
  async erase(patientId: string, now: Date): Promise<ErasureOutcome> {
    return this.db.transaction(async (tx) => {
      const [patient] = rowsOf<{ email: string; name: string; image: string | null; created_at: string; deleted_at: unknown }>(
        await tx.execute(sql`SELECT email::text AS email, name, image, created_at::text AS created_at, deleted_at FROM patients WHERE id = ${patientId} FOR UPDATE`),
      );
      if (!patient || patient.deleted_at) return { result: 'not-found' } as const;
      const at = now.toISOString();
      const [future] = rowsOf<{ n: number }>(await tx.execute(sql`
        SELECT count(*)::int AS n FROM appointments
         WHERE patient_id = ${patientId} AND status IN (${sql.join(LIVE.map((s) => sql`${s}`), sql`, `)}) AND ends_at > ${at}::timestamptz`));
      if (future.n > 0) return { result: 'future-appointment', count: future.n } as const;
      const [refunds] = rowsOf<{ n: number }>(await tx.execute(sql`
        SELECT count(*)::int AS n FROM payment_refunds r JOIN appointments a ON a.id = r.appointment_id
         WHERE a.patient_id = ${patientId}
           AND (r.status IN ('queued', 'processing') OR (r.status = 'issued' AND r.refund_state IS DISTINCT FROM 'processed' AND r.refund_state IS DISTINCT FROM 'failed'))`));
      if (refunds.n > 0) return { result: 'pending-refund', count: refunds.n } as const;

      await tx.execute(sql`DELETE FROM notifications WHERE recipient_role = 'patient' AND recipient_id = ${patientId}`);
      // the waitlist entries go; a time offered to the patient is noted as freed, for the next patient
      await tx.execute(sql`INSERT INTO waitlist_freed (doctor_id) SELECT DISTINCT doctor_id FROM waitlist_offers WHERE patient_id = ${patientId} AND status = 'open'`);
      await tx.execute(sql`DELETE FROM waitlist_entries WHERE patient_id = ${patientId}`);
      // Emails to the patient go. Those to others (the doctor, the admin) about the patient's
      // appointments name no appointment id, so they are found by the name or address in them (written
      // since the account was opened); a namesake's email may lose the name too, which errs the safe way.
      await tx.execute(sql`DELETE FROM notification_outbox WHERE lower(recipient) = lower(${patient.email})`);
      const reasons = rowsOf<{ reason: string }>(await tx.execute(sql`
        SELECT DISTINCT cancel_reason AS reason FROM appointments
         WHERE patient_id = ${patientId} AND cancelled_by = 'patient' AND coalesce(cancel_reason, '') <> ''`)).map((r) => r.reason);
      const scrub = (column: ReturnType<typeof sql.raw>) => {
        let expr = sql`replace(replace(${column}, ${patient.email}, ''), ${patient.name}, ${DELETED_NAME})`;
        for (const reason of reasons) expr = sql`replace(${expr}, ${reason}, '')`;
        return expr;
      };
      await tx.execute(sql`
        UPDATE notification_outbox
           SET subject = ${scrub(sql.raw('subject'))}, text_body = ${scrub(sql.raw('text_body'))},
               html_body = ${scrub(sql.raw('html_body'))}, ics = ${scrub(sql.raw('ics'))}
         WHERE created_at >= ${patient.created_at}::timestamptz
           AND (strpos(subject || text_body || coalesce(html_body, '') || coalesce(ics, ''), ${patient.name}) > 0
             OR strpos(text_body || coalesce(html_body, '') || coalesce(ics, ''), ${patient.email}) > 0)`);
      // what the doctor's history shows from now on; the patient's own cancellation words go too
      // (after the emails above, which are scrubbed of those words)
      await tx.execute(sql`
        UPDATE appointments
           SET user_data = jsonb_build_object('_id', patient_id, 'name', ${DELETED_NAME}::text, 'email', '', 'phone', '',
                 'address', jsonb_build_object('line1', '', 'line2', ''), 'gender', 'Not Selected', 'dob', 'Not Selected', 'image', ''),
               cancel_reason = CASE WHEN cancelled_by = 'patient' THEN NULL ELSE cancel_reason END
         WHERE patient_id = ${patientId}`);
      // the threads of the patient's appointments go whole (both sides wrote about the patient's
      // care), their pictures after the commit; reviews keep their rating (the doctor's average)
      // without the words or the name
      const messageImages = rowsOf<{ url: string }>(await tx.execute(sql`
        SELECT jsonb_array_elements_text(m.images) AS url FROM appointment_messages m JOIN appointments a ON a.id = m.appointment_id
         WHERE a.patient_id = ${patientId}`)).map((r) => r.url);
      await tx.execute(sql`DELETE FROM appointment_messages WHERE appointment_id IN (SELECT id FROM appointments WHERE patient_id = ${patientId})`);
      await tx.execute(sql`DELETE FROM message_thread_reports WHERE appointment_id IN (SELECT id FROM appointments WHERE patient_id = ${patientId})`);
      await tx.execute(sql`UPDATE reviews SET comment = NULL, author_name = ${DELETED_NAME}, updated_at = ${at}::timestamptz WHERE patient_id = ${patientId}`);
      await tx.execute(sql`DELETE FROM review_reports WHERE reporter_role = 'patient' AND reporter_id = ${patientId}`);
      await tx.execute(sql`DELETE FROM password_reset_tokens WHERE role = 'patient' AND account_id = ${patientId}`);
      await tx.execute(sql`DELETE FROM two_factor WHERE role = 'patient' AND account_id = ${patientId}`);
      await tx.execute(sql`DELETE FROM idempotency_keys WHERE account_role = 'patient' AND account_id = ${patientId}`);
      // login attempts recorded the email typed; the entries stay (ids only)
      await tx.execute(sql`UPDATE audit_log SET detail = detail - 'email' WHERE lower(detail->>'email') = lower(${patient.email})`);
      // the row stays for the ids that reference it; setting deleted_at ends the sessions (trigger, 1950)
      await tx.execute(sql`
        UPDATE patients
           SET name = ${DELETED_NAME}, email = 'deleted-' || id || '@deleted.invalid', password_hash = '!erased',
               phone = '', address = jsonb_build_object('line1', '', 'line2', ''), gender = 'Not Selected',
               dob = 'Not Selected', image = NULL, deleted_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
         WHERE id = ${patientId}`);
      return { result: 'erased', image: patient.image, messageImages } as const;
    });
  }
}
