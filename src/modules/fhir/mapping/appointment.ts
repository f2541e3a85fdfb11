// An appointment as a FHIR Appointment. Statuses: pending (booked, awaiting payment or
// confirmation) → pending, confirmed → booked, completed → fulfilled, cancelled → cancelled.
import type { Appointment } from '@medplum/fhirtypes';
import type { AppointmentStatus } from '../../../db/schema.js';
import type { AppointmentView } from '../../appointments/view.js';
import { PRESCRIPTO_SYSTEM, ref, slotId, text } from './common.js';

export const FHIR_STATUS: Record<AppointmentStatus, NonNullable<Appointment['status']>> = {
  pending: 'pending',
  confirmed: 'booked',
  completed: 'fulfilled',
  cancelled: 'cancelled',
};

/** The platform status a FHIR status search asks for; null when no appointment can have it. */
export function platformStatus(code: string): AppointmentStatus | null {
  const found = (Object.entries(FHIR_STATUS) as [AppointmentStatus, string][]).find(([, fhir]) => fhir === code);
  return found ? found[0] : null;
}

export function appointment(a: AppointmentView): Appointment {
  const start = new Date(a.startsAt);
  const minutes = Math.round((Date.parse(a.endsAt) - start.getTime()) / 60_000);
  const reason = text(a.cancelReason);
  return {
    resourceType: 'Appointment',
    id: a._id,
    identifier: [{ system: `${PRESCRIPTO_SYSTEM}:appointment`, value: a._id }],
    status: FHIR_STATUS[a.status],
    ...(a.status === 'cancelled' && reason ? { cancelationReason: { text: reason } } : {}),
    serviceType: [{ text: a.mode === 'video' ? 'Video consultation' : 'In-person consultation' }],
    start: a.startsAt,
    end: a.endsAt,
    ...(minutes > 0 ? { minutesDuration: minutes } : {}),
    slot: [ref('Slot', slotId(a.docId, start))],
    created: new Date(a.date).toISOString(),
    participant: [
      { actor: ref('Patient', a.userId, a.userData?.name), required: 'required', status: 'accepted' },
      { actor: ref('Practitioner', a.docId, a.docData?.name), required: 'required', status: a.status === 'cancelled' ? 'declined' : 'accepted' },
    ],
  };
}
