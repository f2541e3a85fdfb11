// The API shape of an appointment, shared by the booking, lifecycle and query classes.
import type { Config } from '../../config.js';
import type { Actor, AppointmentRow, AppointmentStatus, ConsultationMode, DocSnapshot, UserSnapshot } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { toMajor } from '../../lib/money.js';
import { legacyDateKey } from '../../lib/time.js';
import { videoFields, type Audience } from './video.js';

export interface AppointmentView {
  _id: string;
  userId: string;
  docId: string;
  slotDate: string;
  slotTime: string;
  startsAt: string;
  endsAt: string;
  userData: UserSnapshot;
  docData: DocSnapshot;
  amount: number;
  currency: string;
  date: number;
  status: AppointmentStatus;
  cancelled: boolean;
  payment: boolean;
  isCompleted: boolean;
  cancelledBy: Actor | null;
  cancelReason: string | null;
  cancelledAt: string | null;
  refundAmount: number | null;
  refundStatus: string | null;
  paymentGateway: string | null;
  paidAt: string | null;
  completedAt: string | null;
  mode: ConsultationMode;
  videoLink: string | null;
  videoOpensAt: string | null;
  /** the group session this is a place in; null for a single appointment */
  groupSessionId: string | null;
  /** the recurring series this is an occurrence of; null for a single appointment */
  seriesId: string | null;
}

function appointmentView(r: AppointmentRow, video: { mode: ConsultationMode; videoLink: string | null; videoOpensAt: string | null }): AppointmentView {
  return {
    _id: r.id,
    userId: r.patientId,
    docId: r.doctorId,
    slotDate: r.slotDate,
    slotTime: r.slotTime,
    startsAt: r.startsAt.toISOString(),
    endsAt: r.endsAt.toISOString(),
    userData: r.userData,
    docData: r.docData,
    amount: toMajor(r.amountMinor),
    currency: r.currency,
    date: r.createdAt.getTime(),
    status: r.status,
    cancelled: r.status === 'cancelled',
    payment: r.paid,
    isCompleted: r.status === 'completed',
    cancelledBy: r.cancelledBy,
    cancelReason: r.cancelReason,
    cancelledAt: r.cancelledAt?.toISOString() ?? null,
    refundAmount: r.refundMinor === null ? null : toMajor(r.refundMinor),
    refundStatus: r.refundStatus,
    paymentGateway: r.paymentGateway,
    paidAt: r.paidAt?.toISOString() ?? null,
    completedAt: r.completedAt?.toISOString() ?? null,
    ...video,
    groupSessionId: r.groupSessionId,
    seriesId: r.seriesId,
  };
}

/** Builds views with the configured video settings and the clock's now. */
export class AppointmentViews {
  constructor(
    private readonly config: Config,
    private readonly clock: Clock,
  ) {}

  /**
   * The API shape of an appointment. Under LEGACY_CLIENTS `slotDate` is `d_m_yyyy` (day and month
   * not padded): the original Prescripto apps split it on `_` to show the date.
   */
  of(r: AppointmentRow, audience: Audience = 'party'): AppointmentView {
    const v = appointmentView(r, videoFields(r, this.config.video, this.clock.now(), audience));
    return this.config.legacyClients ? { ...v, slotDate: legacyDateKey(v.slotDate) } : v;
  }

  /**
   * The view an in-transaction callback stores (an idempotency key's answer): ISO `slotDate` even
   * under LEGACY_CLIENTS, as the time `now` of the booking sees it.
   */
  stored(r: AppointmentRow, now: Date): AppointmentView {
    return appointmentView(r, videoFields(r, this.config.video, now, 'party'));
  }

  /**
   * The newest bookings of an unpaginated list (at most its 1000 newest), in booking order: the
   * order the original Prescripto apps expect (they reverse it), keeping the newest in the answer.
   */
  bookingOrder(newestFirst: AppointmentRow[], audience: Audience = 'party'): AppointmentView[] {
    return newestFirst.map((r) => this.of(r, audience)).reverse();
  }
}
