// What the notification's producers (appointment notices, reminders, welcome emails) need of the
// NotificationService: queueing emails and in-app notices. A type of its own, so that the service,
// which builds those producers, and the producers do not import each other.
import type { Db } from '../../db/client.js';
import type { RecordedWrites } from '../../lib/events.js';
import type { OutgoingEmail } from './outbox.js';
import type { RecipientRole } from './tables.js';

export interface InAppNotice {
  role: RecipientRole;
  recipientId: string;
  type: string;
  title: string;
  body: string;
  appointmentId?: string;
  /** the push copy goes only while this appointment is live and starts then (reminders) */
  onlyWhileLive?: { appointmentId: string; startsAt: Date };
}

export interface NotificationSink {
  enqueueEmail(tx: Db | undefined, msg: OutgoingEmail): Promise<string | undefined>;
  enqueueEmails(tx: Db | undefined, msgs: OutgoingEmail[]): Promise<string[]>;
  notify(tx: Db | undefined, n: InAppNotice): Promise<void>;
  notifyAll(tx: Db | undefined, notices: InAppNotice[]): Promise<void>;
  /** an event's emails and in-app notices in one statement (inside a booking, one round trip instead of two) */
  enqueueWithNotices(tx: Db | undefined, msgs: OutgoingEmail[], notices: InAppNotice[]): Promise<string[]>;
  /** the same as writes needing no answer, for a change's own statement; null when it needs one */
  writesWithNotices(msgs: OutgoingEmail[], notices: InAppNotice[]): RecordedWrites | null;
}

const EMAIL_RE = /^[^\s@<>,;]+@[^\s@<>,;]+$/;

/** Whether an outbox message can be addressed to this (a single plain address, no display name). */
export const isMailAddress = (s: string) => EMAIL_RE.test(s);
