// The API shape of an appointment, shared by the booking, lifecycle and query classes.
import type { Config } from '../../config.js';
import type { AppointmentRow, ConsultationMode } from '../../db/schema.js';
import type { Clock } from '../../lib/clock.js';
import { toMajor } from '../../lib/money.js';
import { legacyDateKey } from '../../lib/time.js';
import type { AppointmentAnswer } from './schemas.js';
import { videoFields, type Audience } from './video.js';

/**
 * An appointment as answered (the route schema's type). The objects built here carry the stored
 * `docData` whole, the doctor's email included: the answer's serializer leaves it out.
 */
export type AppointmentView = AppointmentAnswer;

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
