// A free slot of the scheduling engine as a FHIR Slot: only free slots are published (a taken time
// is simply absent), each with the web app's booking page as its SMART deep link.
import type { Slot } from '@medplum/fhirtypes';
import type { SlotView } from '../../scheduling/service.js';
import { BOOKING_DEEP_LINK, ref, slotId } from './common.js';

export function slot(doctorId: string, s: SlotView, appUrl: string): Slot {
  const link = `${appUrl}/doctors/${doctorId}?at=${encodeURIComponent(s.startsAt)}`;
  return {
    resourceType: 'Slot',
    id: slotId(doctorId, new Date(s.startsAt)),
    schedule: ref('Schedule', doctorId),
    status: 'free',
    start: s.startsAt,
    end: s.endsAt,
    extension: [{ url: BOOKING_DEEP_LINK, valueUrl: link }],
  };
}
