// PostgreSQL may resolve two concurrent inserts that conflict under the exclusion constraint (each
// waiting for the other to decide) by aborting one as a deadlock victim. The victim's transaction
// was rolled back whole, so running it again is safe, and then it sees the winner: a clean 409.
import { sqlState } from '../../lib/errors.js';

export const PG_DEADLOCK = '40P01';

export async function retryDeadlocks<T>(work: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || sqlState(err) !== PG_DEADLOCK) throw err;
    }
  }
}
