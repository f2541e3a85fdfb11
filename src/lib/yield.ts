// Background loops (the delivery worker, the reminder pass) await one query after another. On the
// embedded database those queries run on this thread and their promises settle without the event
// loop reaching its I/O phase, so a loop of hundreds of them would hold every HTTP request until it
// ends (a minute for a day's reminders). Awaiting this between items gives waiting requests a turn;
// on a PostgreSQL server it costs a microsecond.
export function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
