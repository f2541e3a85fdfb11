// PDF receipts for paid appointments, drawn with pdfkit. Streams are left uncompressed: receipts
// are one small page, and plain text inside keeps them searchable and testable.
import { lazy } from '../../lib/lazy.js';
import type { AppointmentRow } from '../../db/schema.js';
import { conflict, notFound } from '../../lib/errors.js';
import { toMajor } from '../../lib/money.js';
import type { AppointmentQueries } from '../appointments/queries.js';

export interface ReceiptData {
  receiptNo: string;
  patientName: string;
  patientEmail: string;
  doctorName: string;
  speciality: string;
  date: string;
  time: string;
  amount: string;
  currency: string;
  gateway: string;
  reference: string;
  paidAt: string;
  refund?: string;
}

const GATEWAYS: Record<string, string> = { razorpay: 'Razorpay', stripe: 'Stripe' };

/** `500.00 INR`: amounts are stored in minor units. */
export const formatAmount = (minor: number, currency: string): string => `${toMajor(minor).toFixed(2)} ${currency}`;

export function receiptData(a: AppointmentRow): ReceiptData {
  return {
    receiptNo: a.id,
    patientName: a.userData.name,
    patientEmail: a.userData.email,
    doctorName: a.docData.name,
    speciality: a.docData.speciality,
    date: a.slotDate,
    time: a.slotTime,
    amount: formatAmount(a.amountMinor, a.currency),
    currency: a.currency,
    gateway: GATEWAYS[a.paymentGateway ?? ''] ?? a.paymentGateway ?? 'unknown',
    reference: [a.paymentId, a.paymentRef].filter((v, i, all) => v && all.indexOf(v) === i).join(' / '),
    paidAt: a.paidAt?.toISOString() ?? '',
    refund:
      a.refundMinor !== null && a.refundStatus && a.refundStatus !== 'none'
        ? `${formatAmount(a.refundMinor, a.currency)} (${a.refundStatus})`
        : undefined,
  };
}

const loadPdfKit = lazy(async () => (await import('pdfkit')).default);

export async function renderReceipt(r: ReceiptData): Promise<Buffer> {
  const PDFDocument = await loadPdfKit();
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 56, compress: false, info: { Title: `Prescripto receipt ${r.receiptNo}`, Author: 'Prescripto' } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);

    doc.fontSize(22).text('Prescripto', { continued: false });
    doc.fontSize(14).fillColor('#555').text('Payment receipt').moveDown(1.5).fillColor('#000');
    const rows: [string, string][] = [
      ['Receipt no.', r.receiptNo],
      ['Patient', `${r.patientName} <${r.patientEmail}>`],
      ['Doctor', `${r.doctorName} (${r.speciality})`],
      ['Appointment', `${r.date} at ${r.time}`],
      ['Amount paid', r.amount],
      ['Currency', r.currency],
      ['Paid through', r.gateway],
      ['Gateway reference', r.reference],
      ['Paid at (UTC)', r.paidAt],
    ];
    if (r.refund) rows.push(['Refund', r.refund]);
    doc.fontSize(11);
    for (const [label, value] of rows) {
      const y = doc.y;
      doc.font('Helvetica-Bold').text(label, 56, y, { width: 150 });
      doc.font('Helvetica').text(value, 210, y, { width: 330 });
      doc.moveDown(0.4);
    }
    doc.end();
  });
}

/** The PDF receipt of one of the patient's paid appointments. */
export async function patientReceipt(appointments: AppointmentQueries, patientId: string, appointmentId: string): Promise<Buffer> {
  const a = await appointments.getFor(appointmentId, 'patient', patientId);
  if (!a.paid) throw conflict('No receipt yet: this appointment has not been paid');
  if (!a.paidAt) throw notFound('Payment record not found');
  return renderReceipt(receiptData(a));
}
