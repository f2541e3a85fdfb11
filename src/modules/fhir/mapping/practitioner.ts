// Doctors as FHIR directory resources: Practitioner (the person), PractitionerRole (what they do,
// where), Location (their practice address) and Schedule (their bookable calendar; its Slots come
// from the scheduling engine). All public: the same facts as the public doctor list.
import type { Location, Practitioner, PractitionerRole, Schedule } from '@medplum/fhirtypes';
import type { PublicDoctor } from '../../doctors/service.js';
import { lines, PRESCRIPTO_SYSTEM, ref, text } from './common.js';

const meta = (lastUpdated?: Date) => (lastUpdated ? { meta: { lastUpdated: lastUpdated.toISOString() } } : {});

export function practitioner(d: PublicDoctor, lastUpdated?: Date): Practitioner {
  const degree = text(d.degree);
  const photo = /^https?:\/\//.test(d.image) ? [{ url: d.image }] : undefined;
  return {
    resourceType: 'Practitioner',
    id: d._id,
    ...meta(lastUpdated),
    identifier: [{ system: `${PRESCRIPTO_SYSTEM}:doctor`, value: d._id }],
    active: true,
    name: [{ text: text(d.name) ?? 'Doctor' }],
    ...(photo ? { photo } : {}),
    ...(degree ? { qualification: [{ code: { text: degree } }] } : {}),
  };
}

export function practitionerRole(d: PublicDoctor, lastUpdated?: Date): PractitionerRole {
  const speciality = text(d.speciality);
  return {
    resourceType: 'PractitionerRole',
    id: d._id,
    ...meta(lastUpdated),
    active: d.available,
    practitioner: ref('Practitioner', d._id, d.name),
    location: [ref('Location', d._id)],
    ...(speciality ? { specialty: [{ text: speciality }] } : {}),
  };
}

export function location(d: PublicDoctor, lastUpdated?: Date): Location {
  const addressLines = lines(d.address);
  return {
    resourceType: 'Location',
    id: d._id,
    ...meta(lastUpdated),
    status: 'active',
    name: `${text(d.name) ?? 'Doctor'}'s practice`,
    ...(addressLines.length ? { address: { line: addressLines, text: addressLines.join(', ') } } : {}),
  };
}

export function schedule(d: PublicDoctor, horizon: { start: Date; end: Date }, lastUpdated?: Date): Schedule {
  const speciality = text(d.speciality);
  return {
    resourceType: 'Schedule',
    id: d._id,
    ...meta(lastUpdated),
    active: d.available,
    actor: [ref('Practitioner', d._id, d.name), ref('Location', d._id)],
    serviceType: [{ text: 'Consultation' }],
    ...(speciality ? { specialty: [{ text: speciality }] } : {}),
    planningHorizon: { start: horizon.start.toISOString(), end: horizon.end.toISOString() },
    comment: `Times are booked in ${d.timeZone}; each consultation lasts ${d.slotMinutes} minutes.`,
  };
}
