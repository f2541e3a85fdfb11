// What the code running for one HTTP request can find without being handed it: the request id
// (so a service's log line carries the `reqId` of the request that caused it) and whether a
// database statement of this request already timed out (so its follow-up statements fail at once
// instead of each waiting for its own timeout; see db/client.ts).
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';

export interface RequestScope {
  reqId: string;
  /** set when a statement of this request timed out or found the database unreachable */
  databaseGaveUp?: boolean;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** The scope of the request the caller runs for, if any (timers and workers run outside any). */
export const currentRequest = (): RequestScope | undefined => storage.getStore();

/**
 * Runs `next` (the rest of Fastify's hook chain) inside a new scope, handing it a resource that
 * re-enters the scope: the body is read from socket events, which run outside the scope, so the
 * preValidation hook re-enters it before the handler runs.
 */
export function enterRequest(reqId: string, next: (scope: AsyncResource) => void): void {
  storage.run({ reqId }, () => next(new AsyncResource('prescripto-request')));
}
