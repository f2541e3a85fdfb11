// What a doctor's pages show beyond their own row: the booked times (owned by appointments, and by
// scheduling under LEGACY_CLIENTS) and the rating (owned by reviews). Both modules depend on
// doctors, so this read model is built after them and handed their answers as ports; the doctor
// service itself never reaches back into them.
import type { DoctorRow } from '../../db/schema.js';
import type { DoctorProfile, DoctorProfileUpdate, DoctorService, PublicDoctor, RatingsSource, SlotsBookedSource } from './service.js';

export class DoctorDirectory {
  constructor(
    private readonly doctors: DoctorService,
    private readonly slotsBooked: SlotsBookedSource,
    private readonly ratings: RatingsSource,
  ) {}

  async profile(id: string): Promise<DoctorProfile> {
    const row = await this.doctors.get(id);
    return this.profileOf(row.id, row);
  }

  /** Applies the doctor's own profile change, then answers the profile as it now reads. */
  async updateProfile(id: string, input: DoctorProfileUpdate): Promise<DoctorProfile> {
    const row = await this.doctors.updateProfile(id, input);
    return this.profileOf(id, row);
  }

  async publicList(): Promise<PublicDoctor[]> {
    const [rows, slots, ratings] = await Promise.all([this.doctors.rows(), this.slotsBooked(), this.ratings()]);
    return rows.map((r) => this.doctors.publicView(r, slots.get(r.id), ratings.get(r.id)));
  }

  async adminList(): Promise<DoctorProfile[]> {
    const [rows, slots, ratings] = await Promise.all([this.doctors.rows(), this.slotsBooked(), this.ratings()]);
    return rows.map((r) => this.doctors.profileView(r, slots.get(r.id), ratings.get(r.id)));
  }

  private async profileOf(id: string, row: DoctorRow): Promise<DoctorProfile> {
    const [slots, ratings] = await Promise.all([this.slotsBooked([id]), this.ratings([id])]);
    return this.doctors.profileView(row, slots.get(id), ratings.get(id));
  }
}
