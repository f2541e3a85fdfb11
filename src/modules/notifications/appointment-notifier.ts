// Turns appointment events into notifications inside the transaction of the change
// (events.onRecord): emails with an iCalendar invitation to patient and doctor, an email to the
// admin when a refund is due, and in-app notifications. Rolled back with the change, so nothing is
// sent for a change that did not happen, and nothing committed goes unannounced.
import type { Config } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { AppointmentRow } from '../../db/schema.js';
import { NO_WRITES, type DomainEvent, type RecordedWrites } from '../../lib/events.js';
import { toMajor } from '../../lib/money.js';
import type { AppointmentForNotice } from '../appointments/read-model.js';
import { videoLinkOf, videoOpensAt } from '../appointments/video.js';
import { invitation, type IcsEvent } from './ical.js';
import type { OutgoingEmail } from './outbox.js';
import type { NotificationRepo } from './repo.js';
import { isMailAddress, type InAppNotice, type NotificationSink } from './sink.js';
import { formatWhen, renderAppointmentEmail, type Vars } from './templates.js';

type Audience = 'patient' | 'doctor' | 'admin';

/** Who hears about each event, and whether the invitation is (re)sent or cancelled. */
const PLAN: Record<string, { audiences: Audience[]; ics: 'REQUEST' | 'CANCEL' | null }> = {
  booked: { audiences: ['patient', 'doctor'], ics: 'REQUEST' },
  confirmed: { audiences: ['patient', 'doctor'], ics: 'REQUEST' },
  rescheduled: { audiences: ['patient', 'doctor'], ics: 'REQUEST' },
  cancelled: { audiences: ['patient', 'doctor', 'admin'], ics: 'CANCEL' },
  completed: { audiences: ['patient'], ics: null },
  expired: { audiences: ['patient', 'doctor'], ics: 'CANCEL' },
};

const ACTOR_WORDS: Record<string, string> = { patient: 'the patient', doctor: 'the doctor', admin: 'the clinic', system: 'the system' };

/**
 * A video appointment's meeting link for its patient and doctor (emails and invitations go to them
 * only); undefined for in-person and cancelled appointments (the database drops a cancelled one's room).
 */
export function meetingLink(row: AppointmentRow, config: Config): string | undefined {
  return row.mode === 'video' && row.videoRoom ? videoLinkOf(row.videoRoom, config.video) : undefined;
}

export function appointmentVars(c: AppointmentForNotice, config: Config, recipientName: string): Vars {
  const { row, doctor } = c;
  const address = [doctor.address.line1, doctor.address.line2].filter((s) => s && s.trim()).join(', ');
  const videoLink = meetingLink(row, config);
  const location = row.mode === 'video' ? 'Video consultation' : address;
  return {
    recipientName,
    doctorName: doctor.name,
    patientName: c.patient.name,
    speciality: doctor.speciality,
    when: formatWhen(row.startsAt, doctor.timeZone),
    whenShort: formatWhen(row.startsAt, doctor.timeZone, true),
    location: location || 'Prescripto',
    fee: `${toMajor(row.amountMinor)} ${row.currency}`,
    status: row.status,
    cancelledBy: row.cancelledBy ? ACTOR_WORDS[row.cancelledBy] : '',
    reason: row.cancelReason,
    refund: row.refundMinor ? `${toMajor(row.refundMinor)} ${row.currency}` : null,
    refundStatus: row.refundStatus,
    link: config.frontendUrls[0] ?? config.publicUrl,
    videoLink,
    videoOpens: videoLink ? formatWhen(videoOpensAt(row, config.video), doctor.timeZone) : null,
    lead: '',
  };
}

/** The calendar event of an appointment; the UID is stable for its whole life. */
export function icsEventOf(c: AppointmentForNotice, sequence: number, stamp: Date, mailDomain: string, config: Config): IcsEvent {
  const { row, doctor, patient } = c;
  const videoLink = meetingLink(row, config);
  const location = videoLink ?? [doctor.address.line1, doctor.address.line2].filter((s) => s && s.trim()).join(', ');
  return {
    uid: `appointment-${row.id}@${mailDomain}`,
    sequence,
    start: row.startsAt,
    end: row.endsAt,
    stamp,
    summary: `Appointment: ${patient.name} with ${doctor.name}`,
    description: `${doctor.speciality} ${videoLink ? 'video consultation' : 'appointment'} with ${doctor.name} on ${formatWhen(row.startsAt, doctor.timeZone)}.${videoLink ? ` Join: ${videoLink} (opens ${config.video.opensMinutes} minutes before the start)` : ''}`,
    location: location || undefined,
    url: videoLink,
    status: row.status === 'cancelled' ? 'CANCELLED' : row.status === 'pending' ? 'TENTATIVE' : 'CONFIRMED',
    organizer: { name: doctor.name, email: doctor.email },
    attendees: [{ name: patient.name, email: patient.email }],
  };
}

export class AppointmentNotifier {
  constructor(
    private readonly repo: NotificationRepo,
    private readonly notifications: NotificationSink,
    private readonly config: Config,
    private readonly mailDomain: string,
  ) {}

  async onRecord(tx: Db, event: DomainEvent): Promise<void> {
    if (event.kind !== 'appointment') return;
    const plan = PLAN[event.type];
    if (!plan) return;
    const c = event.facts ?? (await this.repo.appointmentForNotice(tx, event.appointmentId));
    if (!c) return;
    const sequence = plan.ics ? await this.repo.nextIcsSequence(tx, c.row.id) : 0;
    const { emails, notices } = this.compose(event, plan, c, sequence);
    await this.notifications.enqueueWithNotices(tx, emails, notices);
  }

  /**
   * onRecord as writes needing no answer (DomainEvents.writesOf), for a booking that hands its
   * parties along: a new appointment's invitation is its first (SEQUENCE 0). Other changes of an
   * invitation need the stored sequence, and an event without its facts needs a read: null.
   */
  writesOf(event: DomainEvent): RecordedWrites | null {
    if (event.kind !== 'appointment') return NO_WRITES;
    const plan = PLAN[event.type];
    if (!plan) return NO_WRITES;
    const c = event.facts;
    if (!c || (plan.ics && event.type !== 'booked')) return null;
    const { emails, notices } = this.compose(event, plan, c, 0);
    const queued = this.notifications.writesWithNotices(emails, notices);
    if (!queued || !plan.ics) return queued;
    return { statements: [this.repo.firstIcsSequenceStatement(c.row.id), ...queued.statements], written: queued.written };
  }

  /** The event's emails (with the invitation at `sequence`) and in-app notices. */
  private compose(event: Extract<DomainEvent, { kind: 'appointment' }>, plan: (typeof PLAN)[string], c: AppointmentForNotice, sequence: number) {
    const ics = plan.ics ? invitation(plan.ics, icsEventOf(c, sequence, event.at, this.mailDomain, this.config)) : undefined;
    // Collected, then written with one statement for both kinds: these run inside the booking (or
    // cancel, …) transaction, where every round trip holds that transaction open.
    const emails: OutgoingEmail[] = [];
    const notices: InAppNotice[] = [];
    for (const audience of plan.audiences) {
      if (audience === 'admin') {
        // the admin hears about cancellations only when money has to go back
        if (!c.row.refundMinor || c.row.refundMinor <= 0) continue;
        const mail = renderAppointmentEmail(`${event.type}.admin`, appointmentVars(c, this.config, 'Admin'));
        emails.push({ to: this.config.adminEmail, ...mail, topic: `appointment.${event.type}` });
        continue;
      }
      const person = audience === 'patient' ? c.patient : c.doctor;
      const mail = renderAppointmentEmail(`${event.type}.${audience}`, appointmentVars(c, this.config, person.name));
      // an unusable stored address (old imported data) must not make the change itself fail
      if (isMailAddress(person.email)) {
        emails.push({
          to: person.email,
          ...mail,
          ...(ics ? { ics, icsMethod: plan.ics ?? undefined } : {}),
          topic: `appointment.${event.type}`,
        });
      }
      notices.push({
        role: audience,
        recipientId: person.id,
        type: `appointment.${event.type}`,
        title: mail.subject,
        body: firstParagraph(mail.text),
        appointmentId: c.row.id,
      });
    }
    return { emails, notices };
  }
}

/** The intro paragraph of a rendered text email, for the in-app notification body. */
function firstParagraph(text: string): string {
  return text.split(/\n\s*\n/)[1]?.trim() ?? text.trim();
}
