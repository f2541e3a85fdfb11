// A patient account as a FHIR Patient. The platform's placeholders ("Not Selected", the default
// phone 000000000) mean "not given" and are left out.
import type { ContactPoint, Patient } from '@medplum/fhirtypes';
import type { UserData } from '../../patients/service.js';
import { lines, PRESCRIPTO_SYSTEM, text } from './common.js';

const GENDER: Record<string, Patient['gender']> = { Male: 'male', Female: 'female', Other: 'other' };
const PLACEHOLDER_PHONE = '000000000';

export function patient(p: UserData): Patient {
  const telecom: ContactPoint[] = [];
  const email = text(p.email);
  if (email) telecom.push({ system: 'email', value: email });
  const phone = text(p.phone);
  if (phone && phone !== PLACEHOLDER_PHONE) telecom.push({ system: 'phone', value: phone });
  const addressLines = lines(p.address);
  const birthDate = /^\d{4}-\d{2}-\d{2}$/.test(p.dob) ? p.dob : undefined;
  const photo = /^https?:\/\//.test(p.image) ? [{ url: p.image }] : undefined;
  return {
    resourceType: 'Patient',
    id: p._id,
    identifier: [{ system: `${PRESCRIPTO_SYSTEM}:patient`, value: p._id }],
    active: true,
    name: [{ text: text(p.name) ?? 'Patient' }],
    ...(telecom.length ? { telecom } : {}),
    gender: GENDER[p.gender] ?? 'unknown',
    ...(birthDate ? { birthDate } : {}),
    ...(addressLines.length ? { address: [{ line: addressLines }] } : {}),
    ...(photo ? { photo } : {}),
  };
}
