// What other modules read of group sessions without going through the group-session service: the
// time open sessions hold in their doctors' days. Reads only; the group-sessions repo writes the
// table.
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { groupSessions } from '../../db/schema.js';

/**
 * The times the given doctors' open group sessions hold overlapping [from, to), places booked or
 * not. A query, not its rows: scheduling runs it beside its other reads of the doctors' busy times.
 */
export function openSessionBlocks(db: Db, doctorIds: string[], from: Date, to: Date) {
  return db
    .select({ doctorId: groupSessions.doctorId, start: sql<unknown>`lower(${groupSessions.blocks})`, end: sql<unknown>`upper(${groupSessions.blocks})` })
    .from(groupSessions)
    .where(
      and(
        inArray(groupSessions.doctorId, doctorIds),
        eq(groupSessions.status, 'open'),
        sql`${groupSessions.blocks} && tstzrange(${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz)`,
      ),
    );
}
