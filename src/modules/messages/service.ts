// Messages: one thread per appointment between its patient and its doctor. Open from booking until
// MESSAGE_WINDOW_DAYS after the visit ends, unless the appointment was cancelled before it started.
// Text up to 2,000 characters and up to 3 pictures (the media pipeline) per message; a per-sender
// rate limit; read receipts and unread counts; live delivery through the notifications stream (a
// `message` domain event: no body travels); an email through the outbox, due
// MESSAGE_EMAIL_DELAY_MINUTES after the message and dropped by the worker if the recipient has read
// it by then (the outbox row survives restarts); a Web Push to the recipient's devices at once (who
// wrote, about which visit, never the text). The admin sees counts only, and the bodies of a
// thread one of its parties reported.
import type { Static } from 'typebox';
import type { Config } from '../../config.js';
import type { AppointmentRow, DoctorRow, PatientRow } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../../lib/errors.js';
import type { DomainEvents } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import type { AppointmentQueries } from '../appointments/queries.js';
import type { DoctorService } from '../doctors/service.js';
import type { MediaService, Upload } from '../media/service.js';
import { noticeUrl, type NotificationService, type OutgoingEmail, type PushNotice } from '../notifications/service.js';
import type { PatientService } from '../patients/service.js';
import type { Cursor, MessageRepo } from './repo.js';
import { MAX_IMAGES, MAX_TEXT, type MessageOut, type ThreadOut } from './schemas.js';
import type { MessageRow, Party } from './tables.js';

export const EMAIL_TOPIC = 'message.unread';
const DAY_MS = 86_400_000;

/** `readAt`: when the recipient read it (read receipt); null while unread. */
export type MessageView = Static<typeof MessageOut>;

/** `openUntil`: messages can be sent until then; null when the thread never opened (cancelled before the visit). */
export type ThreadInfo = Static<typeof ThreadOut>;

export const encodeCursor = (m: MessageRow): string => `${m.createdAt.getTime()}_${m.id}`;
function decodeCursor(s: string | undefined): Cursor | undefined {
  if (!s) return undefined;
  const m = /^(\d{1,15})_([0-9a-f]{24})$/.exec(s);
  if (!m) throw badRequest('before must be a cursor from a previous page');
  return { createdAt: new Date(Number(m[1])), id: m[2] };
}

export class MessageService {
  constructor(
    private readonly repo: MessageRepo,
    private readonly appointments: AppointmentQueries,
    private readonly patients: PatientService,
    private readonly doctors: DoctorService,
    private readonly media: MediaService,
    private readonly notifications: NotificationService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    private readonly config: Config,
  ) {}

  view(m: MessageRow): MessageView {
    return {
      _id: m.id,
      appointmentId: m.appointmentId,
      from: m.senderRole,
      text: m.body,
      images: m.images.map((u) => this.media.resolve(u)),
      createdAt: m.createdAt.toISOString(),
      readAt: m.readAt?.toISOString() ?? null,
    };
  }

  /** Cancelled before it started: no thread. Otherwise open until the window after the visit ends. */
  threadInfo(a: AppointmentRow, now = this.clock.now()): ThreadInfo {
    if (a.status === 'cancelled' && (!a.cancelledAt || a.cancelledAt <= a.startsAt)) return { openUntil: null, open: false };
    const until = new Date(a.endsAt.getTime() + this.config.messages.windowDays * DAY_MS);
    return { openUntil: until.toISOString(), open: now <= until };
  }

  /** The appointment, if `role` `id` is one of its two parties (403 otherwise, 404 when missing). */
  private async party(appointmentId: string, role: Party, id: string): Promise<AppointmentRow> {
    return this.appointments.getFor(appointmentId, role, id);
  }

  async list(role: Party, id: string, appointmentId: string, limit: number, before?: string): Promise<{ messages: MessageView[]; next: string | null; thread: ThreadInfo }> {
    const a = await this.party(appointmentId, role, id);
    const thread = this.threadInfo(a);
    if (thread.openUntil === null) throw notFound('This appointment was cancelled before it started: it has no messages');
    const rows = await this.repo.thread(appointmentId, limit + 1, decodeCursor(before));
    const page = rows.slice(0, limit);
    return { messages: page.map((m) => this.view(m)), next: rows.length > limit ? encodeCursor(page[page.length - 1]) : null, thread };
  }

  async send(role: Party, id: string, appointmentId: string, input: { text?: string; images?: Upload[] }): Promise<MessageView> {
    const text = (input.text ?? '').trim();
    const images = input.images ?? [];
    if ([...text].length > MAX_TEXT) throw badRequest(`A message can be at most ${MAX_TEXT} characters`);
    if (images.length > MAX_IMAGES) throw new AppError(413, `At most ${MAX_IMAGES} pictures per message`);
    if (!text && images.length === 0) throw badRequest('A message needs text or a picture');
    const a = await this.party(appointmentId, role, id);
    const thread = this.threadInfo(a);
    if (thread.openUntil === null) throw conflict('This appointment was cancelled before it started: no messages can be sent');
    if (!thread.open) throw conflict(`Messages can be sent until ${this.config.messages.windowDays} days after the appointment`);

    // pictures first (checked and re-encoded by the pipeline), outside the transaction; removed again
    // if the message is refused
    const stored: string[] = [];
    try {
      for (const img of images) stored.push(await this.media.storeImage(img));
      // read before the transaction: with the embedded database a read outside it would wait for it
      const [doctor, patient] = await Promise.all([this.doctors.get(a.doctorId), this.patients.get(a.patientId)]);
      const now = this.clock.now();
      const row = await this.repo.transaction(async (tx) => {
        await this.repo.lockSender(tx, role, id);
        const recent = await this.repo.sentSince(tx, role, id, new Date(now.getTime() - 60_000));
        if (recent >= this.config.messages.ratePerMinute) {
          throw new AppError(429, `Too many messages: at most ${this.config.messages.ratePerMinute} a minute`, { 'retry-after': '60' });
        }
        const created = await this.repo.insert(tx, { id: newId(now), appointmentId, senderRole: role, senderId: id, body: text, images: stored, createdAt: now });
        await this.notifications.enqueueEmail(tx, this.unreadEmail(a, { doctor, patient }, role, created, now));
        await this.notifications.push(tx, [this.messagePush(a, { doctor, patient }, role, created)]);
        return created;
      });
      await this.events.publish({ kind: 'message', type: 'sent', appointmentId, doctorId: a.doctorId, patientId: a.patientId, actor: role, at: now });
      return this.view(row);
    } catch (err) {
      for (const url of stored) await this.media.removeImage(url);
      throw err;
    }
  }

  /** The email the recipient gets if the message is still unread after the delay (no body: it is private). */
  private unreadEmail(a: AppointmentRow, who: { doctor: DoctorRow; patient: PatientRow }, from: Party, m: MessageRow, now: Date): OutgoingEmail {
    const { doctor, patient } = who;
    const to = from === 'patient' ? doctor.email : patient.email;
    const sender = from === 'patient' ? patient.name : doctor.name;
    const base = this.config.publicUrl ?? `http://localhost:${this.config.port}`;
    const page = from === 'patient' ? `${base}/doctor/appointments` : `${base}/appointments`;
    return {
      to,
      subject: `New message from ${sender}`,
      text: `${sender} sent you a message about the appointment on ${a.slotDate} at ${a.slotTime}.\n\nRead and answer it in Prescripto: ${page}\n`,
      topic: EMAIL_TOPIC,
      dedupeKey: `message:${m.id}`,
      notBefore: new Date(now.getTime() + this.config.messages.emailDelayMinutes * 60_000),
    };
  }

  /** The push to the recipient's devices right away: who wrote and about which visit, never the text. */
  private messagePush(a: AppointmentRow, who: { doctor: DoctorRow; patient: PatientRow }, from: Party, m: MessageRow): PushNotice {
    const to: Party = from === 'patient' ? 'doctor' : 'patient';
    const sender = from === 'patient' ? who.patient.name : who.doctor.name;
    return {
      role: to,
      recipientId: to === 'patient' ? a.patientId : a.doctorId,
      type: 'message.sent',
      title: `New message from ${sender}`,
      body: `About the appointment on ${a.slotDate} at ${a.slotTime}`,
      url: noticeUrl(to),
      dedupeKey: `message-push:${m.id}`,
    };
  }

  /** Outbox relevance check: an unread-message email whose message was read meanwhile is dropped. */
  async emailStillRelevant(msg: { topic: string; dedupeKey: string | null }): Promise<string | undefined> {
    if (msg.topic !== EMAIL_TOPIC || !msg.dedupeKey?.startsWith('message:')) return undefined;
    const read = await this.repo.isRead(msg.dedupeKey.slice('message:'.length));
    if (read === undefined) return 'the message no longer exists';
    return read ? 'the recipient read the message' : undefined;
  }

  /** Marks read everything the other party sent in the thread (read receipts for them). */
  async markRead(role: Party, id: string, appointmentId: string): Promise<number> {
    const a = await this.party(appointmentId, role, id);
    if (this.threadInfo(a).openUntil === null) throw notFound('This appointment was cancelled before it started: it has no messages');
    const now = this.clock.now();
    const n = await this.repo.markRead(appointmentId, role, now);
    if (n > 0) await this.events.publish({ kind: 'message', type: 'read', appointmentId, doctorId: a.doctorId, patientId: a.patientId, actor: role, at: now });
    return n;
  }

  async unread(role: Party, id: string): Promise<{ total: number; threads: { appointmentId: string; unread: number }[] }> {
    const threads = await this.repo.unreadFor(role, id);
    return { total: threads.reduce((s, t) => s + t.unread, 0), threads };
  }

  /** A party asks the admin to read the thread (abuse): from then on the admin may. */
  async report(role: Party, id: string, appointmentId: string, reason: string): Promise<void> {
    const r = reason.trim();
    if (!r || [...r].length > 500) throw badRequest('Please say why you report this conversation (at most 500 characters)');
    await this.party(appointmentId, role, id);
    await this.repo.report(appointmentId, role, r, this.clock.now());
  }

  async adminCounts(page: number, limit: number) {
    const rows = await this.repo.threadCounts(limit, (page - 1) * limit);
    return rows.map((r) => ({ ...r, lastAt: r.lastAt.toISOString() }));
  }

  /** The admin reads a thread only when one of its parties reported it. */
  async adminThread(appointmentId: string, limit: number, before?: string): Promise<{ messages: MessageView[]; next: string | null }> {
    await this.appointments.get(appointmentId);
    if (!(await this.repo.isReported(appointmentId))) throw forbidden('Only a conversation one of its parties reported can be read by the admin');
    const rows = await this.repo.thread(appointmentId, limit + 1, decodeCursor(before));
    const page = rows.slice(0, limit);
    return { messages: page.map((m) => this.view(m)), next: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
  }
}
