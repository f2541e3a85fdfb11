// Writes a mongoexport of the original Prescripto of any size, as mongoexport does (relaxed
// Extended JSON, one document per line), streaming to disk. Appointment i belongs to doctor i mod D
// and takes that doctor's (i div D)-th half-hour slot from 2023-01-02 on: no two overlap.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { EJSON, ObjectId } from 'bson';

export interface GeneratedSizes {
  doctors: number;
  patients: number;
  appointments: number;
}

const hex = (kind: string, n: number) => `${kind}${n.toString(16).padStart(16, '0')}`;
export const genPatientId = (n: number) => hex('6500aaaa', n);
export const genDoctorId = (n: number) => hex('6500dddd', n);
export const genAppointmentId = (n: number) => hex('6500eeee', n);

const SLOTS_PER_DAY = 22; // 10:00 … 20:30, every 30 minutes, as the original's booking page offers
const FIRST_DAY = Date.UTC(2023, 0, 2);

async function write(out: WriteStream, doc: Record<string, unknown>): Promise<void> {
  if (!out.write(EJSON.stringify(doc, { relaxed: true }) + '\n')) await once(out, 'drain');
}

async function file(folder: string, name: string, n: number, make: (i: number) => Record<string, unknown>): Promise<void> {
  const out = createWriteStream(path.join(folder, `${name}.json`));
  for (let i = 0; i < n; i++) await write(out, make(i));
  out.end();
  await once(out, 'finish');
}

export async function generateExport(folder: string, sizes: GeneratedSizes, passwordHash: string): Promise<void> {
  const patient = (p: number) => ({
    _id: new ObjectId(genPatientId(p)),
    name: `Patient ${p}`,
    email: `patient${p}@generated.example.com`,
    image: `https://res.cloudinary.com/demo/image/upload/v1700000000/prescripto/patients/${p}.png`,
    phone: String(9000000000 + p),
    address: { line1: `${p % 300} Generated Street`, line2: 'Pune' },
    gender: p % 2 ? 'Female' : 'Male',
    dob: '1990-01-01',
  });
  const doctor = (d: number) => ({
    _id: new ObjectId(genDoctorId(d)),
    name: `Dr. Generated ${d}`,
    email: `doctor${d}@generated.example.com`,
    image: `https://res.cloudinary.com/demo/image/upload/v1700000000/prescripto/doctors/${d}.png`,
    speciality: 'General physician',
    degree: 'MBBS',
    experience: `${1 + (d % 20)} Years`,
    about: 'A generated doctor whose profile text is about as long as the ones the original Prescripto ships with its demo data.',
    available: true,
    fees: 30 + (d % 8) * 10,
    address: { line1: `${d} Clinic Road`, line2: 'Pune' },
    date: 1672531200000 + d * 1000,
  });
  await file(folder, 'users', sizes.patients, (p) => ({ ...patient(p), password: passwordHash, __v: 0 }));
  await file(folder, 'doctors', sizes.doctors, (d) => ({ ...doctor(d), password: passwordHash, slots_booked: {}, __v: 0 }));
  await file(folder, 'appointments', sizes.appointments, (i) => {
    const d = i % sizes.doctors;
    const k = Math.floor(i / sizes.doctors);
    const p = (i * 7919) % sizes.patients;
    const day = new Date(FIRST_DAY + Math.floor(k / SLOTS_PER_DAY) * 86_400_000);
    const minutes = 600 + (k % SLOTS_PER_DAY) * 30;
    const h = Math.floor(minutes / 60);
    const slotTime = `${String(h % 12 === 0 ? 12 : h % 12).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
    const r = i % 10;
    return {
      _id: new ObjectId(genAppointmentId(i)),
      userId: genPatientId(p),
      docId: genDoctorId(d),
      slotDate: `${day.getUTCDate()}_${day.getUTCMonth() + 1}_${day.getUTCFullYear()}`,
      slotTime,
      userData: { ...patient(p), __v: 0 },
      docData: { ...doctor(d), slots_booked: {}, __v: 0 },
      amount: 30 + (d % 8) * 10,
      date: day.getTime() - 86_400_000,
      cancelled: r === 0,
      payment: r >= 3,
      isCompleted: r >= 6,
      __v: 0,
    };
  });
}
