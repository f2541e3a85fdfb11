// Column builders every Drizzle table definition shares (db/schema.ts and the modules' tables.ts).
import { customType, text, timestamp } from 'drizzle-orm/pg-core';

/** timestamptz, read as a Date. */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** tstzrange, written as a Postgres range literal such as `[2024-01-01T10:00Z,2024-01-01T10:45Z)`. */
export const tstzrange = customType<{ data: string }>({ dataType: () => 'tstzrange' });

/**
 * Where a booking-like row sits in a doctor's day (an appointment, a group session, a waitlist
 * offer): its local date and time, its instants, and the time it holds in schedule_blocks
 * (appointments/slot.ts `slotColumns` fills them). A function, so each table gets its own builders.
 */
export const slotPlacement = () => ({
  slotDate: text('slot_date').notNull(),
  slotTime: text('slot_time').notNull(),
  startsAt: ts('starts_at').notNull(),
  endsAt: ts('ends_at').notNull(),
  blocks: tstzrange('blocks').notNull(),
});
