// Doctors: onboarding (called by admin), login, profile changes, availability, and the public and
// profile views that DoctorDirectory (directory.ts) fills with booked times and ratings.
import type { Static } from 'typebox';
import type { Config } from '../../config.js';
import type { Address, ConsultationMode, DoctorRow } from '../../db/schema.js';
import { badRequest, conflict, notFound, sqlState, PG_UNIQUE_VIOLATION } from '../../lib/errors.js';
import { assertPasswordFits } from '../../lib/schemas.js';
import type { DomainEvents } from '../../lib/events.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { toMajor, toMinor } from '../../lib/money.js';
import { isEmail, normalizeEmail } from '../../lib/validate.js';
import { checkCredentials, hashPassword, isStrongPassword } from '../auth/passwords.js';
import { randomSecret } from '../auth/secrets.js';
import type { MediaService, Upload } from '../media/service.js';
import type { DoctorPatch, DoctorRepo, NewDoctor } from './repo.js';
import type { AddDoctorBody, DoctorProfile, DoctorUpdateBody, PublicDoctor } from './schemas.js';

export type { DoctorProfile, PublicDoctor } from './schemas.js';

export type { DoctorPatch } from './repo.js';

/** slots_booked as old clients read it: both `YYYY-MM-DD` and legacy `d_m_yyyy` keys → `hh:mm AM` times. */
export type SlotsBooked = Record<string, string[]>;
export type SlotsBookedSource = (doctorIds?: string[]) => Promise<Map<string, SlotsBooked>>;
/** A doctor's rating: the mean of visible reviews (null without any) and their number. */
export interface Rating {
  average: number | null;
  count: number;
}
export type RatingsSource = (doctorIds?: string[]) => Promise<Map<string, Rating>>;
const NO_RATING: Rating = { average: null, count: 0 };

/** The modes a doctor row offers, in-person first. */
export function consultationModes(row: Pick<DoctorRow, 'offersInPerson' | 'offersVideo'>): ConsultationMode[] {
  const modes: ConsultationMode[] = [];
  if (row.offersInPerson) modes.push('in_person');
  if (row.offersVideo) modes.push('video');
  return modes;
}

/**
 * The add-doctor form as validated, with its address parsed (the form sends text or an object), the
 * picture, and whether a given password must be changed at first login (default true: the admin
 * chose it; the demo seed's are not). `password` is optional: without it the doctor sets their own
 * through the welcome email's link.
 */
export type NewDoctorInput = Omit<Static<typeof AddDoctorBody>, 'address'> & { address?: Address; image?: Upload; passwordTemporary?: boolean };

/** The update-profile body as the route hands it over: fees as a number, the address parsed, the picture uploaded. */
export type DoctorProfileUpdate = Omit<Static<typeof DoctorUpdateBody>, 'fees' | 'address'> & { fees?: number; address?: Address; image?: Upload };

const MAX_FEES = 10_000_000;

export class DoctorService {
  constructor(
    private readonly repo: DoctorRepo,
    private readonly media: MediaService,
    private readonly events: DomainEvents,
    private readonly config: Config,
    private readonly clock: Clock,
  ) {}

  publicView(row: DoctorRow, slots: SlotsBooked = {}, rating: Rating = NO_RATING): PublicDoctor {
    return {
      _id: row.id,
      name: row.name,
      image: this.media.resolve(row.image),
      speciality: row.speciality,
      degree: row.degree,
      experience: row.experience,
      about: row.about,
      fees: toMajor(row.feesMinor),
      address: row.address,
      available: row.available,
      date: row.createdAt.getTime(),
      slots_booked: slots,
      timeZone: row.timeZone,
      slotMinutes: row.slotMinutes,
      consultationModes: consultationModes(row),
      ratingAverage: rating.average,
      ratingCount: rating.count,
    };
  }

  profileView(row: DoctorRow, slots: SlotsBooked = {}, rating: Rating = NO_RATING): DoctorProfile {
    return { ...this.publicView(row, slots, rating), email: row.email, bufferMinutes: row.bufferMinutes, slotIntervalMinutes: row.slotIntervalMinutes };
  }

  async get(id: string): Promise<DoctorRow> {
    const row = await this.repo.findById(id);
    if (!row) throw notFound('Doctor not found');
    return row;
  }

  async exists(email: string): Promise<boolean> {
    return (await this.repo.findByEmail(normalizeEmail(email))) !== undefined;
  }

  async find(id: string): Promise<DoctorRow | undefined> {
    return this.repo.findById(id);
  }

  async create(input: NewDoctorInput): Promise<DoctorRow> {
    const name = input.name?.trim();
    const email = input.email?.trim();
    const { image } = input;
    const password = input.password || undefined; // admin panels send a left-blank field as ''
    const speciality = input.speciality?.trim();
    const degree = input.degree?.trim();
    const experience = input.experience?.trim();
    const about = input.about?.trim();
    if (!name || !email || !speciality || !degree || !experience || !about || input.fees === undefined || !input.address) {
      throw badRequest('Missing Details');
    }
    if (!input.address.line1.trim()) throw badRequest('Missing Details: the address needs its first line (line1)');
    if (!image) throw badRequest('Missing Details: a profile image is required');
    if (!isEmail(email)) throw badRequest('Please enter a valid email');
    if (password !== undefined && !isStrongPassword(password)) throw badRequest('Please enter a strong password');
    if (password !== undefined) assertPasswordFits(password);
    checkFees(input.fees);
    if (await this.repo.findByEmail(normalizeEmail(email))) throw conflict('A doctor with this email already exists');
    // No password: the hash of a long random secret nobody ever sees, so no password logs in until
    // the doctor sets theirs through the welcome email's link. A given password is the admin's
    // choice, so it is temporary unless the caller says otherwise (the demo seed), or the original
    // Prescripto admin panel is in use (LEGACY_CLIENTS): it has no screen to change a password, so a
    // temporary one would lock the doctor out; the welcome email's link still lets them choose their own.
    const passwordHash = await hashPassword(password ?? randomSecret(32), this.config.security.bcryptRounds);
    const passwordTemporary = password !== undefined && (input.passwordTemporary ?? !this.config.legacyClients);
    const imageUrl = await this.media.storeImage(image);
    const s = this.config.scheduling;
    try {
      const created: NewDoctor = {
        id: newId(this.clock.now()),
        name,
        email: normalizeEmail(email),
        passwordHash,
        passwordTemporary,
        image: imageUrl,
        speciality,
        degree,
        experience,
        about,
        feesMinor: toMinor(input.fees),
        address: input.address,
        available: true,
        slotMinutes: s.slotMinutes,
        slotIntervalMinutes: s.slotIntervalMinutes,
        bufferMinutes: s.bufferMinutes,
        timeZone: this.config.timezone,
        offersInPerson: true,
        offersVideo: false,
      };
      const event = { kind: 'doctor', type: 'created', doctorId: created.id, at: this.clock.now() } as const;
      // recorded in the insert's transaction: the scheduling module gives the doctor the default week
      // and the webhooks queue "doctor added" with it, or neither happens
      const row = await this.repo.transaction(async (tx) => {
        const inserted = await this.repo.insert(created, tx);
        await this.events.record(tx, event);
        return inserted;
      });
      await this.events.publish(event);
      return row;
    } catch (err) {
      await this.media.removeImage(imageUrl);
      if (sqlState(err) === PG_UNIQUE_VIOLATION) throw conflict('A doctor with this email already exists');
      throw err;
    }
  }

  /** Checks the credentials; the route opens the session (auth/login.ts). */
  async login(input: { email?: string; password?: string }): Promise<{ id: string; mustChangePassword: boolean }> {
    const row = await checkCredentials(input, (email) => this.repo.findByEmail(email), this.config.security.bcryptRounds);
    return { id: row.id, mustChangePassword: row.passwordTemporary && !this.config.legacyClients };
  }

  /**
   * Whether the doctor still has the admin's temporary password and must change it before anything
   * else (read fresh: no cache to go stale). Never under LEGACY_CLIENTS, also for doctors onboarded
   * before it was turned on: the original panel cannot change a password.
   */
  async hasTemporaryPassword(id: string): Promise<boolean> {
    if (this.config.legacyClients) return false;
    return this.repo.passwordTemporary(id);
  }

  /** The doctor's own profile change; DoctorDirectory.updateProfile answers it with booked times and rating. */
  async updateProfile(id: string, input: DoctorProfileUpdate): Promise<DoctorRow> {
    await this.get(id); // an unknown doctor is a 404 before any upload or write
    const patch: DoctorPatch = {};
    if (input.fees !== undefined) {
      checkFees(input.fees);
      patch.feesMinor = toMinor(input.fees);
    }
    if (input.address !== undefined) patch.address = input.address;
    if (input.about !== undefined) {
      if (!input.about.trim()) throw badRequest('about cannot be empty');
      patch.about = input.about.trim();
    }
    if (input.available !== undefined) patch.available = input.available;
    if (input.image) patch.image = await this.media.storeImage(input.image);
    const { row: updated, replaced } = await this.applyProfilePatch(id, patch).catch(async (err) => {
      if (patch.image) await this.media.removeImage(patch.image); // includes a doctor removed meanwhile (404)
      throw err;
    });
    if (patch.image && replaced && replaced !== patch.image) await this.media.removeImage(replaced);
    return updated;
  }

  /**
   * applyPatch for a profile change that may set a new picture; also returns the picture it
   * displaced, as found by the update itself (not `current`, read before the upload): of two
   * concurrent replacements each then deletes exactly the picture it replaced.
   */
  private async applyProfilePatch(id: string, patch: DoctorPatch): Promise<{ row: DoctorRow; replaced: string | null }> {
    if (!patch.image) return { row: await this.applyPatch(id, patch), replaced: null };
    const result = await this.repo.updateReplacingImage(id, patch);
    if (!result) throw notFound('Doctor not found');
    await this.events.publish({ kind: 'doctor', type: 'updated', doctorId: id, at: this.clock.now() });
    return { row: result.row, replaced: result.previousImage };
  }

  async applyPatch(id: string, patch: DoctorPatch): Promise<DoctorRow> {
    const updated = await this.repo.update(id, patch);
    if (!updated) throw notFound('Doctor not found');
    await this.events.publish({ kind: 'doctor', type: 'updated', doctorId: id, at: this.clock.now() });
    return updated;
  }

  /** Sets `available` when given, otherwise flips it. */
  async changeAvailability(id: string, available?: boolean): Promise<DoctorRow> {
    if (available !== undefined) return this.applyPatch(id, { available });
    const row = await this.repo.toggleAvailability(id);
    if (!row) throw notFound('Doctor not found');
    await this.events.publish({ kind: 'doctor', type: 'updated', doctorId: id, at: this.clock.now() });
    return row;
  }

  /** Doctor rows, all of them or those of `ids` (the directory lists them; scheduling reads their settings). */
  rows(ids?: string[]): Promise<DoctorRow[]> {
    return this.repo.list(ids);
  }

  count(): Promise<number> {
    return this.repo.count();
  }
}

function checkFees(fees: number): void {
  if (!Number.isFinite(fees) || fees < 0 || fees > MAX_FEES) throw badRequest(`fees must be a number between 0 and ${MAX_FEES}`);
  if (Math.round(fees * 100) !== fees * 100 && Math.abs(Math.round(fees * 100) - fees * 100) > 1e-6) {
    throw badRequest('fees can have at most two decimal places');
  }
}
