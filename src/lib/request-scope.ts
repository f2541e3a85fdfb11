// What the code running for one HTTP request can find without being handed it: the request id
// (so a service's log line carries the `reqId` of the request that caused it) and whether a
// database statement of this request already timed out (so its follow-up statements fail at once
// instead of each waiting for its own timeout; see db/client.ts).
import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';

export interface RequestScope {
  reqId: string;
  /** set when a statement of this request timed out or found the database unreachable */
  databaseGaveUp?: boolean;
  /** GET or HEAD: the only requests whose reads may go to a read replica (db/read-router.ts) */
  readOnly?: boolean;
  /** `role:id` of the account this request acts for, once known (authenticated, or a token signed for it) */
  account?: string;
  /** set by the first statement other than a SELECT this request sent to the primary */
  wrote?: boolean;
  /** the commit position this account's reads must see, looked up once per request (db/read-router.ts) */
  mustSee?: Promise<bigint | undefined>;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** The scope of the request the caller runs for, if any (timers and workers run outside any). */
export const currentRequest = (): RequestScope | undefined => storage.getStore();

/**
 * Runs `next` (the rest of Fastify's hook chain) inside a new scope, handing it a resource that
 * re-enters the scope: the body is read from socket events, which run outside the scope, so the
 * preValidation hook re-enters it before the handler runs.
 */
export function enterRequest(reqId: string, method: string, next: (resource: AsyncResource, scope: RequestScope) => void): void {
  const scope: RequestScope = { reqId, readOnly: method === 'GET' || method === 'HEAD' };
  storage.run(scope, () => next(new AsyncResource('prescripto-request'), scope));
}

/**
 * The request now acts for this account: its writes are the account's, and its reads must see the
 * account's earlier writes (read-your-writes across replicas, db/read-router.ts).
 */
export function actFor(role: string, id: string): void {
  const scope = storage.getStore();
  if (scope) scope.account = `${role}:${id}`;
}
