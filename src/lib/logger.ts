// The one logger of a process: pino JSON on stdout (pretty-printed in development), shared by
// Fastify (request lines carry `reqId`) and every service built by createContext, so no line
// leaves as plain text. What may never reach a log line: credentials, tokens, card data, and the
// SQL text and parameters of a failed query (Drizzle puts both, password hashes included, into
// its error message and `params`).
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { Config } from '../config.js';
import { driverErrorOf, type DriverError } from './errors.js';
import { currentRequest } from './request-scope.js';

export type AppLogger = Logger;
export type LogStream = DestinationStream;

/** Drizzle's wrapper, whose message is "Failed query: <sql>\nparams: <values>". */
const isQueryMessage = (message: unknown) => typeof message === 'string' && message.startsWith('Failed query:');

/**
 * The driver's primary message with quoted values masked: PostgreSQL quotes identifiers
 * (`relation "patients"`) but also echoes input (`invalid input syntax for type uuid: "…"`);
 * the value after a colon is the caller's data, so it goes. DETAIL (which can hold the whole
 * failing row) and the statement text are never read.
 */
function safeDriverMessage(message: unknown): string {
  if (typeof message !== 'string') return 'database error';
  return message.split('\n')[0].replace(/:\s*".*"\s*$/s, ': "…"').slice(0, 300);
}

/** Stack frames only: the first stack line repeats the message, which for a query error holds SQL and parameters. */
function framesOf(err: object): string | undefined {
  const stack = (err as { stack?: unknown }).stack;
  if (typeof stack !== 'string') return undefined;
  return stack.split('\n').filter((l) => /^\s+at /.test(l)).join('\n');
}

/** True when `err` came from a query: a Drizzle wrapper, or a driver error (SQLSTATE) itself or as a cause. */
export function isDatabaseError(err: unknown): boolean {
  return Boolean(err && typeof err === 'object' && (isQueryMessage((err as { message?: unknown }).message) || driverErrorOf(err)));
}

/** A message safe to show a developer or write to a log: for database errors, never SQL or parameters. */
export function safeErrorMessage(err: unknown): string {
  if (!err || typeof err !== 'object') return String(err);
  if (isDatabaseError(err)) {
    const driver = driverErrorOf(err);
    // No driver error inside (a lost connection): the wrapper's cause says what happened.
    const source = driver ?? (err as { cause?: unknown }).cause;
    const message = source && typeof source === 'object' ? (source as DriverError).message : undefined;
    const msg = message !== undefined && !isQueryMessage(message) ? safeDriverMessage(message) : 'database query failed';
    return typeof driver?.code === 'string' ? `${msg} (SQLSTATE ${driver.code})` : msg;
  }
  const message = (err as { message?: unknown }).message;
  return typeof message === 'string' ? message : 'error';
}

/**
 * The `err` serializer of every log line. Database errors become `{ type, message, code,
 * constraint, table, column, stack }` with a safe message and frames only; other errors keep pino's
 * usual type, message and stack, plus `code` and `statusCode`, and nothing else (enumerable extras
 * can hold request data).
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!err || typeof err !== 'object') return { message: String(err) };
  const type = (err as { name?: unknown }).name ?? err.constructor?.name;
  if (isDatabaseError(err)) {
    const driver = driverErrorOf(err);
    const pick = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return {
      type: isQueryMessage((err as { message?: unknown }).message) ? 'DrizzleQueryError' : type,
      message: safeErrorMessage(err),
      code: pick(driver?.code),
      constraint: pick(driver?.constraint),
      table: pick(driver?.table),
      column: pick(driver?.column),
      stack: framesOf(err),
    };
  }
  const e = err as { message?: unknown; stack?: unknown; code?: unknown; statusCode?: unknown };
  return {
    type,
    message: e.message,
    stack: e.stack,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.statusCode === 'number' ? { statusCode: e.statusCode } : {}),
  };
}

/**
 * How a service reports a problem: a message of ids only, and the error, which the logger's
 * serializer reduces to what is safe (never the SQL text or parameters of a failed query).
 */
export type Warn = (message: string, err?: unknown) => void;

/** A Warn writing to `log`. */
export const warnTo = (log: Pick<AppLogger, 'warn'>): Warn => (message, err) => (err === undefined ? log.warn(message) : log.warn({ err }, message));

/**
 * The lines a service writes. `info` and `warn` carry ids only; personal data (names, email
 * addresses, phone numbers, subjects that name a doctor or a visit) goes in `debug`'s fields,
 * which only an explicit LOG_LEVEL=debug (or trace) writes.
 */
export interface ServiceLog {
  debug?(message: string, fields: Record<string, unknown>): void;
  info(message: string): void;
  warn: Warn;
}

export const serviceLog = (log: AppLogger): ServiceLog => ({
  debug: (message, fields) => log.debug(fields, message),
  info: (message) => log.info(message),
  warn: warnTo(log),
});

export interface LoggerExtras {
  /** where lines go instead of stdout (tests read them) */
  stream?: DestinationStream;
  /** more serializers (the app's `req`, which masks tokens in URLs) */
  serializers?: LoggerOptions['serializers'];
}

/** Marks Fastify's per-request loggers, which bind `reqId` themselves (children inherit the mark). */
const BINDS_REQ_ID = Symbol('bindsReqId');

/** Fastify's childLoggerFactory: the request's logger, marked so the mixin does not add `reqId` twice. */
export function requestChildLogger(logger: AppLogger, bindings: pino.Bindings, opts: pino.ChildLoggerOptions): AppLogger {
  const child = logger.child(bindings, opts);
  (child as unknown as Record<symbol, boolean>)[BINDS_REQ_ID] = true;
  return child;
}

/**
 * Standard output, through Node's own stream rather than pino's default SonicBoom: at exit,
 * SonicBoom flushes synchronously and retries a write to a closed pipe (EPIPE) forever, so a
 * server whose log reader went away (`npm start | tee`, a log shipper stopped with it) never
 * exited. Writes to a pipe whose reader is gone are dropped instead.
 *
 * Lines written in one turn of the event loop leave in one write (at the end of the turn, or at
 * 64 KB): a file or a pipe costs a system call per write, and under load that was one call per
 * request. What is pending is written at exit too (process.exit, a crash reported by the handlers
 * in server.ts); only a process killed outright loses the lines of its last turn.
 */
function stdoutDestination(format: (line: string) => string = (line) => line): DestinationStream {
  const out = process.stdout;
  let broken = false;
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    if (!broken && !out.destroyed) out.write(chunk);
  };
  out.on('error', (err: NodeJS.ErrnoException) => {
    // nobody reads any more: stop writing; anything else would be an unhandled 'error' (a crash)
    broken = true;
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') process.stderr.write(`log output failed: ${err.code ?? err.message}\n`);
  });
  process.on('exit', flush);
  return {
    write: (line: string) => {
      if (broken) return;
      pending += format(line);
      if (pending.length >= 65_536) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}

export function createLogger(config: Config, extras: LoggerExtras = {}): AppLogger {
  const options: LoggerOptions = {
    level: config.logLevel,
    serializers: { ...extras.serializers, err: serializeError },
    // A line a service writes while serving a request carries that request's id.
    mixin: (_obj, _level, logger) => {
      const scope = currentRequest();
      return scope && !(logger as unknown as Record<symbol, boolean>)[BINDS_REQ_ID] ? { reqId: scope.reqId } : {};
    },
    redact: ['req.headers.authorization', 'req.headers.token', 'req.headers.dtoken', 'req.headers.atoken', 'req.headers.cookie',
      // anything that reaches a log object by accident: credentials, tokens, card data
      '*.password', '*.newPassword', '*.token', '*.refreshToken', '*.cardNumber', '*.card', '*.cvv', '*.cvc', 'res.headers["set-cookie"]'],
  };
  if (extras.stream) return pino(options, extras.stream);
  if (config.nodeEnv === 'development' && config.logLevel !== 'silent') {
    // One line per entry, formatted in this process (no worker thread to outlive the server).
    const prettify = prettyFactory({ translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: true });
    return pino(options, stdoutDestination((line) => prettify(line)));
  }
  return pino(options, stdoutDestination());
}
