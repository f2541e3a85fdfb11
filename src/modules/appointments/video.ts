// Video consultations: the meeting room of a video appointment and who may see its link when.
// The room name is 160 random bits (hex, so every meeting server accepts it in a path): it cannot be
// guessed, and a unique index (migration 1700) refuses a second appointment with the same one.
import { randomBytes } from 'node:crypto';
import type { VideoSettings } from '../../config.js';
import type { AppointmentRow, ConsultationMode } from '../../db/schema.js';

/** Who is looking at an appointment: its patient or doctor, or the admin (not a party to the call). */
export type Audience = 'party' | 'admin';

export interface VideoFields {
  mode: ConsultationMode;
  /** the meeting link: only for the patient and the doctor, from `videoOpensAt` while the appointment is live */
  videoLink: string | null;
  /** when the link is handed out (video appointments that are not cancelled) */
  videoOpensAt: string | null;
}

export const newVideoRoom = (): string => `prescripto-${randomBytes(20).toString('hex')}`;

export const videoLinkOf = (room: string, video: VideoSettings): string => `${video.baseUrl}/${room}`;

export function videoOpensAt(row: Pick<AppointmentRow, 'startsAt'>, video: VideoSettings): Date {
  return new Date(row.startsAt.getTime() - video.opensMinutes * 60_000);
}

/**
 * The video part of an appointment's view. The link is withheld before it opens (the answer says
 * when it does), once the visit is completed, and always from the admin; a cancelled appointment
 * has no room any more (the database drops it).
 */
export function videoFields(row: AppointmentRow, video: VideoSettings, now: Date, audience: Audience): VideoFields {
  if (row.mode !== 'video' || !row.videoRoom) return { mode: row.mode, videoLink: null, videoOpensAt: null };
  const opens = videoOpensAt(row, video);
  const live = row.status === 'pending' || row.status === 'confirmed';
  const shown = audience === 'party' && live && now.getTime() >= opens.getTime();
  return { mode: row.mode, videoLink: shown ? videoLinkOf(row.videoRoom, video) : null, videoOpensAt: opens.toISOString() };
}
