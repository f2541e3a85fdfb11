// Column builders every Drizzle table definition shares (db/schema.ts and the modules' tables.ts).
import { customType, timestamp } from 'drizzle-orm/pg-core';

/** timestamptz, read as a Date. */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** tstzrange, written as a Postgres range literal such as `[2024-01-01T10:00Z,2024-01-01T10:45Z)`. */
export const tstzrange = customType<{ data: string }>({ dataType: () => 'tstzrange' });
