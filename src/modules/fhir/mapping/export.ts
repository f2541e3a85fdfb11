// The rest of a patient's data export as FHIR: payment orders as Invoices, refunds as
// PaymentReconciliations, messages as Communications. They read the data-rights export's rows
// (plain records), so each field is checked for its type here.
import type { Communication, Invoice, PaymentReconciliation } from '@medplum/fhirtypes';
import { toMajor } from '../../../lib/money.js';
import { PRESCRIPTO_SYSTEM, ref, text } from './common.js';

export type Row = Record<string, unknown>;
const str = (r: Row, k: string): string | undefined => (typeof r[k] === 'string' && (r[k] as string).length > 0 ? (r[k] as string) : undefined);
const minor = (r: Row, k: string): number => (typeof r[k] === 'number' ? (r[k] as number) : Number(r[k] ?? 0));
const fhirId = (s: string) => s.replace(/[^A-Za-z0-9\-.]/g, '-').slice(0, 64);

/** A payment order: an Invoice of the consultation fee, balanced once paid. */
export function invoice(patientId: string, o: Row): Invoice {
  const status = str(o, 'status');
  const appointmentId = str(o, 'appointmentId');
  return {
    resourceType: 'Invoice',
    id: fhirId(str(o, 'id') ?? 'order'),
    identifier: [{ system: `${PRESCRIPTO_SYSTEM}:payment-order`, value: str(o, 'id') ?? '' }].filter((i) => i.value),
    status: status === 'paid' ? 'balanced' : status === 'rejected' ? 'cancelled' : 'issued',
    subject: ref('Patient', patientId),
    ...(str(o, 'createdAt') ? { date: str(o, 'createdAt') } : {}),
    totalGross: { value: toMajor(minor(o, 'amountMinor')), currency: (str(o, 'currency') ?? 'INR').toUpperCase() as 'INR' },
    ...(appointmentId ? { note: [{ text: `Consultation fee of appointment ${appointmentId}, through ${str(o, 'gateway') ?? 'a payment gateway'} (order status ${status ?? 'unknown'})` }] } : {}),
  };
}

/** A refund owed by a cancellation. */
export function refund(r: Row): PaymentReconciliation {
  const created = str(r, 'createdAt') ?? new Date(0).toISOString();
  return {
    resourceType: 'PaymentReconciliation',
    id: fhirId(`refund-${str(r, 'id') ?? ''}`),
    identifier: [{ system: `${PRESCRIPTO_SYSTEM}:refund`, value: str(r, 'id') ?? 'refund' }],
    status: 'active',
    created,
    paymentDate: created.slice(0, 10),
    paymentAmount: { value: -toMajor(minor(r, 'amountMinor')), currency: (str(r, 'currency') ?? 'INR').toUpperCase() as 'INR' },
    disposition: `Refund of appointment ${str(r, 'appointmentId') ?? ''}: ${str(r, 'refundState') ?? str(r, 'status') ?? 'recorded'}`.trim(),
  };
}

/** A message of an appointment's thread, from the patient or the doctor. */
export function communication(patientId: string, doctorOf: Map<string, string>, m: Row): Communication {
  const appointmentId = str(m, 'appointmentId');
  const doctorId = appointmentId ? doctorOf.get(appointmentId) : undefined;
  const fromPatient = str(m, 'senderRole') === 'patient';
  const patientRef = ref('Patient', patientId);
  const doctorRef = doctorId ? ref('Practitioner', doctorId) : undefined;
  const body = text(str(m, 'body'));
  const images = Array.isArray(m.images) ? (m.images as unknown[]).filter((u): u is string => typeof u === 'string' && /^https?:\/\//.test(u)) : [];
  const payload = [...(body ? [{ contentString: body }] : []), ...images.map((url) => ({ contentAttachment: { url } }))];
  return {
    resourceType: 'Communication',
    id: fhirId(str(m, 'id') ?? 'message'),
    status: 'completed',
    subject: patientRef,
    ...(appointmentId ? { about: [ref('Appointment', appointmentId)] } : {}),
    ...(str(m, 'createdAt') ? { sent: str(m, 'createdAt') } : {}),
    ...(str(m, 'readAt') ? { received: str(m, 'readAt') } : {}),
    ...(fromPatient ? { sender: patientRef, ...(doctorRef ? { recipient: [doctorRef] } : {}) } : { ...(doctorRef ? { sender: doctorRef } : {}), recipient: [patientRef] }),
    ...(payload.length ? { payload } : {}),
  };
}
