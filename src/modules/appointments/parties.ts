// Who books with whom, in which mode, and the appointment row that booking writes: the checks
// every booking of a doctor makes before any time is looked at, and the snapshots kept with it.
import type { Config } from '../../config.js';
import type { AppointmentRow, ConsultationMode, DocSnapshot, DoctorRow, UserSnapshot } from '../../db/schema.js';
import { conflict, notFound } from '../../lib/errors.js';
import type { AppointmentFacts } from '../../lib/events.js';
import { newId } from '../../lib/ids.js';
import { consultationModes, type DoctorService } from '../doctors/service.js';
import type { PatientService } from '../patients/service.js';
import type { NewAppointment } from './repo.js';
import { slotColumns, type ResolvedSlot } from './slot.js';
import { newVideoRoom } from './video.js';

/** The doctor, patient snapshot and mode a booking is made with. */
export interface BookingParties {
  doctor: DoctorRow;
  patientId: string;
  mode: ConsultationMode;
  userData: UserSnapshot;
  docData: DocSnapshot;
}

export class Parties {
  constructor(
    private readonly patients: PatientService,
    private readonly doctors: DoctorService,
    private readonly config: Config,
  ) {}

  async resolve(patientId: string, docId: string, modeIn: ConsultationMode | undefined): Promise<BookingParties> {
    // independent reads, side by side: each is a round trip to the database
    const [doctor, patient] = await Promise.all([this.doctors.find(docId), this.patients.get(patientId)]);
    if (!doctor) throw notFound('Doctor not found');
    if (!doctor.available) throw conflict('Doctor not available');
    const mode = modeIn ?? 'in_person';
    if (!consultationModes(doctor).includes(mode)) {
      throw conflict(mode === 'video' ? 'This doctor does not offer video consultations: book in person' : 'This doctor offers video consultations only: book with mode "video"');
    }
    return { doctor, patientId, mode, userData: this.patients.view(patient), docData: this.docSnapshot(doctor) };
  }

  /** The doctor as written into an appointment (no email); a group session's `fees` differ from the doctor's own. */
  docSnapshot(doctor: DoctorRow, fees?: number): DocSnapshot {
    const doc = this.doctors.publicView(doctor);
    return {
      _id: doc._id, name: doc.name, email: '', image: doc.image, speciality: doc.speciality, degree: doc.degree,
      experience: doc.experience, about: doc.about, fees: fees ?? doc.fees, address: doc.address,
    };
  }

  /** The patient and the doctor as a booking's event hands them to the listeners (AppointmentFacts). */
  named(p: BookingParties): Omit<AppointmentFacts, 'row'> {
    return { patient: { id: p.patientId, name: p.userData.name, email: p.userData.email }, doctor: namedDoctor(p.doctor) };
  }

  /** A new pending, unpaid appointment of `slot` between the parties. */
  row(p: BookingParties, slot: ResolvedSlot, now: Date, seriesId?: string): NewAppointment {
    return {
      id: newId(now),
      patientId: p.patientId,
      doctorId: p.doctor.id,
      ...slotColumns(slot),
      userData: p.userData,
      docData: p.docData,
      amountMinor: p.doctor.feesMinor,
      currency: this.config.currency,
      status: 'pending',
      paid: false,
      mode: p.mode,
      videoRoom: p.mode === 'video' ? newVideoRoom() : null,
      seriesId: seriesId ?? null,
      createdAt: now,
    };
  }
}

/** A doctor as an appointment's notices name them. */
export function namedDoctor(d: DoctorRow): AppointmentFacts['doctor'] {
  return { id: d.id, name: d.name, email: d.email, speciality: d.speciality, timeZone: d.timeZone, address: d.address };
}

/**
 * The row AppointmentRepo.insert writes for `row`, as its RETURNING answers it but for what the database computes
 * (the stored form of `blocks`, `updated_at`): what a booking's listeners describe in the booking's
 * own statement, before the row exists (insertLockedWith).
 */
export function asWritten(row: NewAppointment & { createdAt: Date }): AppointmentRow {
  return {
    ...row,
    paidAt: row.paidAt ?? null,
    paymentGateway: row.paymentGateway ?? null,
    paymentRef: row.paymentRef ?? null,
    paymentId: row.paymentId ?? null,
    cancelledBy: row.cancelledBy ?? null,
    cancelReason: row.cancelReason ?? null,
    cancelledAt: row.cancelledAt ?? null,
    cancelledById: row.cancelledById ?? null,
    refundMinor: row.refundMinor ?? null,
    refundStatus: row.refundStatus ?? null,
    refundRef: row.refundRef ?? null,
    completedAt: row.completedAt ?? null,
    mode: row.mode ?? 'in_person',
    videoRoom: row.videoRoom ?? null,
    groupSessionId: row.groupSessionId ?? null,
    seriesId: row.seriesId ?? null,
    updatedAt: row.updatedAt ?? row.createdAt,
  };
}
