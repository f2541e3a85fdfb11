// The listing filter and sort orders, shared by the repo and the deep-page position reader.
import type { AppointmentStatus } from '../../db/schema.js';

/** Listing filters; `from`/`to` are inclusive local slot dates (YYYY-MM-DD). */
export interface AppointmentFilter {
  from?: string;
  to?: string;
  status?: AppointmentStatus;
  docId?: string;
  userId?: string;
}

export type AppointmentSort = 'startsAt' | '-startsAt' | 'createdAt' | '-createdAt';
