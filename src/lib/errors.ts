// One operational-error type: services throw AppError with an HTTP status and a message a person
// understands; the central error handler (plugins/errors.ts) turns it into the API envelope.
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (message: string) => new AppError(400, message);
export const unauthorized = (message = 'Not Authorized, login again') => new AppError(401, message);
export const forbidden = (message = 'You do not have access to this resource') => new AppError(403, message);
export const notFound = (message: string) => new AppError(404, message);
export const conflict = (message: string) => new AppError(409, message);
export const serviceUnavailable = (message: string, retryAfterSeconds?: number) =>
  new AppError(503, message, retryAfterSeconds ? { 'retry-after': String(retryAfterSeconds) } : {});
export const badGateway = (message: string) => new AppError(502, message);

/** What the database driver reports beside its message (node-postgres and PGlite alike). */
export interface DriverError {
  message?: unknown;
  code: string;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
}

/** Drizzle wraps driver errors: the driver's own error (the one carrying a SQLSTATE), on `err` or a cause. */
export function driverErrorOf(err: unknown): DriverError | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return e as DriverError;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The SQLSTATE of a database error, wrapped by Drizzle or not. */
export const sqlState = (err: unknown): string | undefined => driverErrorOf(err)?.code;

export const PG_UNIQUE_VIOLATION = '23505';
export const PG_EXCLUSION_VIOLATION = '23P01';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_CHECK_VIOLATION = '23514';
/** raised by migration 1950's trigger: an appointment for a deleted patient account */
export const PG_PATIENT_DELETED = 'PD001';

/**
 * Something at start-up that a person must fix (a busy port, a data directory in use, a database
 * that cannot be reached): printed as one line, without a stack, and the process exits 1.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
