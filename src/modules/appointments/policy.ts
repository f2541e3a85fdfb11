// The spec's cancellation policy. Pure: no clock of its own, no I/O.
import type { Actor } from '../../db/schema.js';

const HOUR = 3600_000;

/** A patient cancelling at least this long before the start gets a full refund. */
export const FULL_REFUND_NOTICE_HOURS = 24;

/**
 * Refund (minor units) for cancelling a paid appointment: a doctor, admin or the system always
 * refunds in full; a patient gets all of it at least 24 h before the start, half after that until
 * the start, nothing once it has started (no-show). Unpaid appointments refund nothing.
 */
export function refundFor(a: { amountMinor: number; paid: boolean; startsAt: Date }, actor: Actor, now: Date): number {
  if (!a.paid) return 0;
  if (actor !== 'patient') return a.amountMinor;
  const ahead = a.startsAt.getTime() - now.getTime();
  if (ahead >= FULL_REFUND_NOTICE_HOURS * HOUR) return a.amountMinor;
  if (ahead > 0) return Math.floor(a.amountMinor / 2);
  return 0;
}

/**
 * Why a patient may not move this appointment now, or null. A paid appointment inside the
 * full-refund window stays where it is: moving it days ahead would restart the policy's clock, and
 * a cancel after the move would refund in full what cancelling now refunds by half (or not at all).
 */
export function rescheduleRefusal(a: { paid: boolean; startsAt: Date }, now: Date): string | null {
  if (a.paid && a.startsAt.getTime() - now.getTime() < FULL_REFUND_NOTICE_HOURS * HOUR) {
    return `A paid appointment can be rescheduled only until ${FULL_REFUND_NOTICE_HOURS} hours before it starts; it can still be cancelled under the refund policy`;
  }
  return null;
}
