// Patient accounts (spec: /api/user/*): registration, login, profile.
import { AppError, badRequest, conflict, notFound, sqlState, PG_UNIQUE_VIOLATION } from '../../lib/errors.js';
import { assertPasswordFits } from '../../lib/schemas.js';
import { newId } from '../../lib/ids.js';
import { isEmail, normalizeEmail } from '../../lib/validate.js';
import type { Address, PatientRow, UserSnapshot } from '../../db/schema.js';
import type { DomainEvents } from '../../lib/events.js';
import type { Clock } from '../../lib/clock.js';
import { BCRYPT_COST, checkCredentials, hashPassword, isStrongPassword } from '../auth/passwords.js';
import type { MediaService, Upload } from '../media/service.js';
import type { PatientPatch, PatientRepo } from './repo.js';

/** A patient as the API shows them: the same shape an appointment keeps as its `userData` snapshot. */
export type UserData = UserSnapshot;

export interface ProfileUpdate {
  name?: string;
  phone?: string;
  address?: Address;
  dob?: string;
  gender?: string;
  image?: Upload;
}

export const GENDERS = ['Male', 'Female', 'Other', 'Not Selected'];

export class PatientService {
  constructor(
    private readonly repo: PatientRepo,
    private readonly media: MediaService,
    private readonly events: DomainEvents,
    private readonly clock: Clock,
    /** the bcrypt cost of new hashes (config.security.bcryptRounds) */
    private readonly bcryptRounds: number = BCRYPT_COST,
  ) {}

  view(row: PatientRow): UserData {
    return {
      _id: row.id,
      name: row.name,
      email: row.email,
      phone: row.phone,
      address: row.address,
      gender: row.gender,
      dob: row.dob,
      image: this.media.resolve(row.image),
    };
  }

  async register(input: { name?: string; email?: string; password?: string }): Promise<{ id: string }> {
    const name = input.name?.trim();
    const email = input.email?.trim();
    const password = input.password;
    if (!name || !email || !password) throw badRequest('Missing Details');
    if (!isEmail(email)) throw badRequest('Please enter a valid email');
    if (!isStrongPassword(password)) throw badRequest('Please enter a strong password');
    assertPasswordFits(password);
    const id = newId(this.clock.now());
    try {
      await this.repo.insert({ id, name, email: normalizeEmail(email), passwordHash: await hashPassword(password, this.bcryptRounds) });
    } catch (err) {
      // The unique index decides, so two concurrent registrations cannot both win.
      if (sqlState(err) === PG_UNIQUE_VIOLATION) throw conflict('An account with this email already exists');
      throw err;
    }
    await this.events.publish({ kind: 'patient', type: 'created', patientId: id, at: this.clock.now() });
    return { id }; // the route opens the session (auth/login.ts), as for a login
  }

  /** Checks the credentials; the route opens the session (auth/login.ts). */
  async login(input: { email?: string; password?: string }): Promise<{ id: string }> {
    const row = await checkCredentials(input, (email) => this.repo.findByEmail(email), this.bcryptRounds);
    return { id: row.id };
  }

  async get(id: string): Promise<PatientRow> {
    const row = await this.repo.findById(id);
    if (!row) throw notFound('User not found');
    return row;
  }

  /** The admin's patient lookup: by part of the email or name. */
  async search(text: string, limit = 20): Promise<UserData[]> {
    const q = text.trim();
    if (q.length < 2) throw badRequest('Type at least 2 characters to search');
    return (await this.repo.search(q, limit)).map((row) => this.view(row));
  }

  /** A page of accounts in id order (the admin's FHIR Patient search). */
  async list(offset: number, limit: number): Promise<UserData[]> {
    return (await this.repo.list(offset, limit)).map((row) => this.view(row));
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  async profile(id: string): Promise<UserData> {
    return this.view(await this.get(id));
  }

  async updateProfile(id: string, input: ProfileUpdate): Promise<UserData> {
    await this.get(id); // an unknown patient is a 404 before any upload or write
    const patch: PatientPatch = {};
    if (input.name !== undefined) {
      if (!input.name.trim()) throw badRequest('Missing Details');
      patch.name = input.name.trim();
    }
    if (input.phone !== undefined) {
      if (!/^\+?[0-9 ()-]{6,20}$/.test(input.phone.trim())) throw badRequest('Please enter a valid phone number');
      patch.phone = input.phone.trim();
    }
    if (input.dob !== undefined) {
      const dob = input.dob.trim();
      if (dob !== 'Not Selected' && !isPastDate(dob)) throw badRequest('Date of birth must be a past date like 1990-04-21');
      patch.dob = dob;
    }
    if (input.gender !== undefined) {
      if (!GENDERS.includes(input.gender)) throw badRequest(`gender must be one of: ${GENDERS.join(', ')}`);
      patch.gender = input.gender;
    }
    if (input.address !== undefined) patch.address = input.address;
    if (input.image) patch.image = await this.media.storeImage(input.image);
    let updated: PatientRow | undefined;
    // The picture replaced is the one the update itself found (not `current`, read earlier): of two
    // concurrent replacements each then deletes exactly the picture it displaced.
    let replaced: string | null = null;
    try {
      if (patch.image) {
        const result = await this.repo.updateReplacingImage(id, patch);
        updated = result?.row;
        replaced = result?.previousImage ?? null;
      } else {
        updated = await this.repo.update(id, patch);
      }
    } catch (err) {
      if (patch.image) await this.media.removeImage(patch.image);
      throw err;
    }
    if (!updated) {
      if (patch.image) await this.media.removeImage(patch.image); // the account went meanwhile
      throw new AppError(404, 'User not found');
    }
    if (patch.image && replaced && replaced !== patch.image) await this.media.removeImage(replaced);
    await this.events.publish({ kind: 'patient', type: 'updated', patientId: id, at: this.clock.now() });
    return this.view(updated);
  }
}

function isPastDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s && d.getTime() < Date.now() && Number(m[1]) >= 1900;
}
