// The spec's cancellation policy. Pure: no clock of its own, no I/O.
import type { Actor } from '../../db/schema.js';

const HOUR = 3600_000;

/**
 * Refund (minor units) for cancelling a paid appointment: a doctor, admin or the system always
 * refunds in full; a patient gets all of it at least 24 h before the start, half after that until
 * the start, nothing once it has started (no-show). Unpaid appointments refund nothing.
 */
export function refundFor(a: { amountMinor: number; paid: boolean; startsAt: Date }, actor: Actor, now: Date): number {
  if (!a.paid) return 0;
  if (actor !== 'patient') return a.amountMinor;
  const ahead = a.startsAt.getTime() - now.getTime();
  if (ahead >= 24 * HOUR) return a.amountMinor;
  if (ahead > 0) return Math.floor(a.amountMinor / 2);
  return 0;
}
