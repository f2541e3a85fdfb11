// The ONLY module that reads process.env. Everything else receives a typed Config.
// Long on purpose: every setting's parsing, default and production check in one file, so that no
// setting is read or defaulted anywhere else (docs/configuration.md is its table).
import { createECDH, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { makeDirectory } from './lib/dirs.js';

export type NodeEnv = 'development' | 'production' | 'test';

export interface WorkingRange {
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
  /** minutes after local midnight */
  start: number;
  end: number;
}

export interface SchedulingDefaults {
  slotMinutes: number;
  bufferMinutes: number;
  slotIntervalMinutes: number;
  minNoticeMinutes: number;
  maxAdvanceDays: number;
  allowWeekends: boolean;
  workingHours: WorkingRange[];
  maxSlotRangeDays: number;
  /** upcoming live (pending/confirmed) appointments one patient may hold: overall, and with one doctor */
  maxLiveBookingsPerPatient: number;
  maxLiveBookingsPerPatientPerDoctor: number;
}

export interface Config {
  nodeEnv: NodeEnv;
  host: string;
  port: number;
  logLevel: string;
  databaseUrl?: string;
  /** DATABASE_READ_URLS: hot standbys of DATABASE_URL for lag-tolerant reads (db/read-router.ts) */
  databaseReadUrls: string[];
  /** REPLICA_MAX_LAG_MS: a replica further behind than this is skipped */
  replicaMaxLagMs: number;
  /** REPLICA_CHECK_MS: how often each replica's position and lag are polled */
  replicaCheckMs: number;
  dataDir: string;
  /**
   * EMBEDDED_SHARED_BUFFERS_MB / EMBEDDED_WORK_MEM_KB: the embedded database's page cache and
   * per-sort memory. PGlite zeroes its shared buffers at every start, so all of them count in the
   * process's memory from the first second; its WebAssembly heap never shrinks.
   */
  embeddedSharedBuffersMb: number;
  embeddedWorkMemKb: number;
  redisUrl?: string;
  /** prefix for every Redis key and channel, so several deployments (or test runs) can share a server */
  redisPrefix: string;
  jwtSecret: string;
  /** access token lifetime in seconds */
  jwtExpiresIn: number;
  refreshTokenTtlSeconds: number;
  security: SecuritySettings;
  adminEmail: string;
  adminPassword: string;
  /** ADMIN_PASSWORD was not set: the public default is in use (refused in production) */
  adminPasswordIsDefault: boolean;
  /** SEED_DEMO: demo doctors in an empty database (default: yes, except in production) */
  seedDemo: boolean;
  currency: string;
  frontendUrls: string[];
  timezone: string;
  /**
   * LEGACY_CLIENTS=true: answers shaped for the original Prescripto React apps (docs/legacy-clients.md):
   * errors as HTTP 200, `slotDate` as `d_m_yyyy`, lists in booking order, `slots_booked` listing every
   * time of their grid the server would refuse, admin-given doctor passwords not temporary.
   */
  legacyClients: boolean;
  /** 200 answers errors with HTTP 200 for legacy clients that only read the body (LEGACY_CLIENTS, or its alias LEGACY_ERROR_STATUS=200) */
  legacyErrorStatus?: number;
  /** OPS_TOKEN: when set, /ready and /metrics need `Authorization: Bearer <token>` */
  opsToken?: string;
  /** OPS_PORT: when set, /ready and /metrics are served only on this port (not the public one) */
  opsPort?: number;
  /** SHUTDOWN_TIMEOUT_MS: how long SIGTERM waits for requests in flight before exiting 1 */
  shutdownTimeoutMs: number;
  /** DB_QUERY_TIMEOUT_MS: longest statement on a PostgreSQL server before a 503 (0: no limit) */
  dbQueryTimeoutMs: number;
  /** DB_PREPARED_STATEMENTS: repeated statements as named prepared statements on a PostgreSQL server (false behind PgBouncer before 1.21) */
  dbPreparedStatements: boolean;
  bodyLimit: number;
  uploadMaxBytes: number;
  images: ImageSettings;
  paymentRequired: boolean;
  paymentWindowMinutes: number;
  /** EXPIRY_SWEEP_SECONDS: how often unpaid bookings past the payment window are cancelled */
  expirySweepSeconds: number;
  scheduling: SchedulingDefaults;
  video: VideoSettings;
  waitlist: WaitlistSettings;
  publicUrl?: string;
  cloudinary?: { cloudName: string; apiKey: string; apiSecret: string; apiBase?: string };
  razorpay?: { keyId: string; keySecret: string };
  razorpayWebhookSecret?: string;
  razorpayApiBase?: string;
  stripe?: { secretKey: string };
  stripeWebhookSecret?: string;
  stripeApiBase?: string;
  /** seconds between sweeps retrying refunds the gateway could not take yet (0: only at start and on cancel) */
  refundRetrySeconds: number;
  refundMaxAttempts: number;
  smtpUrl?: string;
  mailFrom: string;
  /** WEB_CONCURRENCY: worker processes sharing the port (node:cluster); PostgreSQL server only */
  webConcurrency: number;
  /**
   * PROCESS_ROLE: `web` serves the API and runs no background job; `worker` runs the jobs (outbox,
   * reminders, refunds, payment-window sweep) and serves only /health, /ready and /metrics; `all`
   * does both (one process, the default).
   */
  processRole: ProcessRole;
  notifications: NotificationSettings;
  webhooks: WebhookConfig;
  /** doctor–patient messages (modules/messages) */
  messages: MessageSettings;
  /** Web Push notifications (modules/push) */
  push: PushSettings;
  /** WEB_DIR: the built web app (index.html + assets/) served at / and as the SPA fallback; absent folder: API only */
  webDir: string;
}

export type ProcessRole = 'web' | 'worker' | 'all';
const PROCESS_ROLES: readonly ProcessRole[] = ['web', 'worker', 'all'];

function processRole(env: Env): ProcessRole {
  const raw = str(env, 'PROCESS_ROLE') ?? 'all';
  const role = PROCESS_ROLES.find((r) => r === raw);
  if (!role) throw new ConfigError(`PROCESS_ROLE must be web, worker or all (got "${raw}")`);
  return role;
}

/** Does this process run the background jobs? (Every role but `web`.) */
export const runsJobs = (config: Pick<Config, 'processRole'>): boolean => config.processRole !== 'web';

export interface MessageSettings {
  /** MESSAGE_WINDOW_DAYS: a thread takes messages from booking until this many days after the visit ends */
  windowDays: number;
  /** MESSAGE_EMAIL_DELAY_MINUTES: a message still unread this long after it was sent is emailed to its recipient */
  emailDelayMinutes: number;
  /** MESSAGE_RATE_PER_MINUTE: messages one sender may send per minute, over all their threads */
  ratePerMinute: number;
}

/** Web Push (modules/push, docs/care-between-visits.md). */
export interface PushSettings {
  /**
   * VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY (base64url, P-256) and VAPID_SUBJECT (mailto: or https:);
   * undefined when push is off (production without keys). Outside production, unset keys are
   * generated once into DATA_DIR/.vapid-keys.json (in tests: per process, in memory).
   */
  vapid?: { publicKey: string; privateKey: string; subject: string };
  /** PUSH_ALLOW_PRIVATE: accept push endpoints on private and loopback addresses, over http too (tests, closed networks) */
  allowPrivate: boolean;
  /** PUSH_TIMEOUT_SECONDS: how long one push waits for the push service's answer */
  timeoutMs: number;
}

export interface NotificationSettings {
  /** run the outbox/reminder worker inside this process (NOTIFY_WORKER) */
  worker: boolean;
  /** how often the worker looks for due messages and reminders */
  intervalMs: number;
  /** delivery attempts before a message is marked failed */
  maxAttempts: number;
  /** first retry delay; doubles after every failed attempt (capped at one hour) */
  backoffMs: number;
  /** reminder lead times before each live appointment, largest first */
  reminderMinutes: number[];
  /** LIVE_PING_SECONDS: keep-alive of live streams; each one also re-checks the session (logout ends the stream) */
  livePingMs: number;
  /** WELCOME_LINK_TTL_HOURS: lifetime of the "set your password" link in a new doctor's welcome email */
  welcomeLinkTtlHours: number;
  /** NOTIFY_LEASE_SECONDS: how long a claimed message belongs to its worker (a dead worker's messages wait this long) */
  leaseMs: number;
}

/** Outgoing webhooks (modules/webhooks, docs/interop.md). */
export interface WebhookConfig {
  /** WEBHOOK_ALLOW_PRIVATE: accept endpoints on private, loopback and link-local addresses (tests, closed networks) */
  allowPrivate: boolean;
  /** WEBHOOK_TIMEOUT_SECONDS: how long one delivery waits for the receiver's answer */
  timeoutMs: number;
  /** WEBHOOK_MAX_ATTEMPTS: attempts per message before it is marked failed */
  maxAttempts: number;
  /** WEBHOOK_BACKOFF_SECONDS: first retry delay; each later one is four times longer, up to ten hours */
  backoffMs: number;
  maxBackoffMs: number;
  /** WEBHOOK_DISABLE_HOURS: an endpoint failing every attempt for this long is disabled and the admin emailed */
  disableAfterMs: number;
}

/** Waitlists (docs/booking-modes.md). */
export interface WaitlistSettings {
  /** WAITLIST_MAX_ENTRIES: waiting entries one patient may hold at once */
  maxEntries: number;
  /** WAITLIST_OFFER_MINUTES: how long a freed time is held for the patient it is offered to */
  offerMinutes: number;
}

/** Video consultations (docs/booking-modes.md). */
export interface VideoSettings {
  /** VIDEO_BASE_URL: meeting server; a room's link is `<base>/<room>` (no trailing slash kept) */
  baseUrl: string;
  /** VIDEO_OPENS_MINUTES: how long before the start the link is handed out */
  opensMinutes: number;
}

/** Limits of image uploads (modules/media/pipeline.ts and queue.ts). */
export interface ImageSettings {
  /** IMAGE_MAX_SIDE: longest width or height accepted, read from the header before decoding */
  maxSide: number;
  /** IMAGE_MAX_PIXELS: largest width × height accepted, likewise */
  maxPixels: number;
  /** IMAGE_TIMEOUT_SECONDS: longest one picture may be processed */
  timeoutSeconds: number;
  /** IMAGE_CONCURRENCY: pictures processed at once (each holds one of libuv's threads, which bcrypt needs too) */
  concurrency: number;
  /** IMAGE_QUEUE_MAX: pictures waiting for a turn; more are refused with 503 and Retry-After */
  queueMax: number;
}

function minutesList(env: Env, key: string, def: number[]): number[] {
  const raw = str(env, key);
  if (raw === undefined) return def;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (list.some((n) => !Number.isInteger(n) || n < 1 || n > 30 * 24 * 60)) {
    throw new ConfigError(`${key} must be a comma-separated list of minutes between 1 and 43200 (got "${raw}")`);
  }
  return [...new Set(list)].sort((x, y) => y - x);
}

/** Off by default: trusting X-Forwarded-For from anyone would let a client pick its own IP for rate limits and the audit log. */
function trustProxy(raw: string | undefined): boolean | string[] {
  if (raw === undefined || ['false', '0', 'no', 'off'].includes(raw.toLowerCase())) return false;
  if (['true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of list) {
    if (!isAddressOrRange(entry)) {
      throw new ConfigError(`TRUST_PROXY must be true, false, or a comma-separated list of proxy addresses or CIDR ranges (got "${entry}")`);
    }
  }
  return list;
}

/** An IP address, a CIDR range, or one of proxy-addr's named ranges. */
function isAddressOrRange(entry: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) return true;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/** The public default of ADMIN_PASSWORD: fine on a laptop, refused in production. */
export const DEFAULT_ADMIN_PASSWORD = 'admin-password-change-me';
/** Shortest ADMIN_PASSWORD production accepts. */
export const MIN_ADMIN_PASSWORD_LENGTH = 12;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
// the address part of "Name <a@b.example>" or of a bare address
const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

/**
 * A URL with one of `protocols`. `secret`: the value may carry credentials (a database or SMTP
 * password), so the message does not repeat it.
 */
function url(env: Env, key: string, protocols: string[], example: string, secret = false): string | undefined {
  const raw = str(env, key);
  if (raw === undefined) return undefined;
  const got = secret ? '' : ` (got "${raw}")`;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`${key} must be a URL like ${example}${got}`);
  }
  if (!protocols.includes(u.protocol)) throw new ConfigError(`${key} must start with ${protocols.map((p) => `${p}//`).join(' or ')}${got}`);
  if (!u.hostname) throw new ConfigError(`${key} must name a host, like ${example}${got}`);
  return raw;
}

function readUrls(env: Env): string[] {
  const list = (str(env, 'DATABASE_READ_URLS') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length && !str(env, 'DATABASE_URL')) throw new ConfigError('DATABASE_READ_URLS needs DATABASE_URL: replicas copy a PostgreSQL server, not the embedded database');
  return list.map((u) => url({ DATABASE_READ_URLS: u }, 'DATABASE_READ_URLS', ['postgres:', 'postgresql:'], 'postgres://user:password@replica:5432/prescripto', true) as string);
}

function emailAddress(key: string, raw: string, withName: boolean): string {
  const address = withName ? (/^[^<>]*<([^<>]+)>\s*$/.exec(raw)?.[1] ?? raw) : raw;
  if (!ADDRESS.test(address.trim())) {
    throw new ConfigError(`${key} must be an email address${withName ? ' (optionally "Name <address>")' : ''} (got "${raw}")`);
  }
  return raw;
}

/** HOST: an IP address or a host name; "999.1.1.1" is neither. */
function host(raw: string | undefined): string {
  if (raw === undefined) return '0.0.0.0';
  if (isIP(raw)) return raw;
  const hostname = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
  if (/^[\d.]+$/.test(raw) || !hostname.test(raw)) throw new ConfigError(`HOST must be an IP address or a host name (got "${raw}")`);
  return raw;
}

/** Settings that only work together: all of them, or none. */
function allOrNone(env: Env, keys: string[]): void {
  const set = keys.filter((k) => str(env, k) !== undefined);
  if (set.length > 0 && set.length < keys.length) {
    const missing = keys.filter((k) => !set.includes(k));
    throw new ConfigError(`${missing.join(' and ')} must be set too: ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set, and they work only together`);
  }
}

/** Rate limits, password resets, second factor (README "Security"). */
export interface SecuritySettings {
  /** RATE_LIMIT=false turns every limit off (benchmarks) */
  rateLimit: boolean;
  /** requests per IP per window on every route */
  globalMax: number;
  windowSeconds: number;
  /** login, register, forgot/reset-password, refresh, 2FA and payment-verify calls per IP per auth window */
  authIpMax: number;
  /** the same calls per account (email) per auth window; for logins, failed logins per account *and address* */
  authAccountMax: number;
  /** AUTH_LOGIN_DELAY_MS: once an account has had authAccountMax failed logins (from any address), each further attempt waits this long, doubling per failure */
  loginDelayMs: number;
  /** AUTH_LOGIN_DELAY_MAX_MS: the longest such wait */
  loginDelayMaxMs: number;
  authWindowSeconds: number;
  passwordResetTtlMinutes: number;
  /** BCRYPT_ROUNDS: the bcrypt cost of new password hashes (10, the spec's; the test fixtures use less) */
  bcryptRounds: number;
  totpIssuer: string;
  /** TRUST_PROXY: which proxies may set X-Forwarded-For (false: none, true: all, or a list of addresses/CIDRs) */
  trustProxy: boolean | string[];
  /** REVOCATION_CACHE_SECONDS: with Redis, how long a "session not revoked" answer of the database is reused (0: never) */
  revocationCacheSeconds: number;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function str(env: Env, key: string): string | undefined {
  const v = env[key];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, key: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = str(env, key);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${key} must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return n;
}

function bool(env: Env, key: string, def: boolean): boolean {
  const raw = str(env, key)?.toLowerCase();
  if (raw === undefined) return def;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${key} must be true or false (got "${raw}")`);
}

/** Parses "1-5 10:00-21:00" style lists: `WORKING_HOURS="1-5 10:00-13:00,14:00-21:00;6 10:00-14:00"`. */
export function parseWorkingHours(spec: string): WorkingRange[] {
  const out: WorkingRange[] = [];
  for (const group of spec.split(';').map((s) => s.trim()).filter(Boolean)) {
    const [days, ranges] = group.split(/\s+/, 2);
    if (!days || !ranges) throw new ConfigError(`WORKING_HOURS group "${group}" must look like "1-5 10:00-21:00"`);
    const dayList: number[] = [];
    for (const d of days.split(',')) {
      const m = /^(\d)(?:-(\d))?$/.exec(d);
      if (!m) throw new ConfigError(`WORKING_HOURS weekday "${d}" must be 0-6 or a range like 1-5`);
      const a = Number(m[1]);
      const b = m[2] === undefined ? a : Number(m[2]);
      if (a > 6 || b > 6 || b < a) throw new ConfigError(`WORKING_HOURS weekday "${d}" is out of range`);
      for (let i = a; i <= b; i++) dayList.push(i);
    }
    for (const r of ranges.split(',')) {
      const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(r);
      if (!m) throw new ConfigError(`WORKING_HOURS range "${r}" must look like 10:00-21:00`);
      if (Number(m[2]) > 59 || Number(m[4]) > 59 || Number(m[1]) > 24 || Number(m[3]) > 24) {
        throw new ConfigError(`WORKING_HOURS range "${r}" is not a time of day (hours 0-24, minutes 0-59)`);
      }
      const start = Number(m[1]) * 60 + Number(m[2]);
      const end = Number(m[3]) * 60 + Number(m[4]);
      if (end <= start || end > 24 * 60) throw new ConfigError(`WORKING_HOURS range "${r}" must end after it starts`);
      for (const weekday of dayList) {
        // overlapping ranges would give the same slot twice (and the seed's table refuses them)
        const clash = out.find((o) => o.weekday === weekday && o.start < end && start < o.end);
        if (clash) throw new ConfigError(`WORKING_HOURS range "${r}" overlaps another range of weekday ${weekday}`);
        out.push({ weekday, start, end });
      }
    }
  }
  return out;
}

/**
 * STRIPE_API_BASE: the Stripe SDK takes only a protocol, host and port, so a path (a proxy's
 * `/stripe` prefix) would be dropped silently; it is refused here instead.
 */
function stripeApiBase(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`STRIPE_API_BASE must be a URL like http://localhost:12111 (got "${raw}")`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`STRIPE_API_BASE must use http or https (got "${raw}")`);
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) {
    throw new ConfigError(`STRIPE_API_BASE must be only a scheme, host and port (the Stripe SDK cannot use a path prefix, credentials or a query); got "${raw}"`);
  }
  return raw;
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** In development a JWT secret is generated once and kept under DATA_DIR so tokens survive restarts. */
function devJwtSecret(dataDir: string): string {
  const file = path.join(dataDir, '.jwt-secret');
  try {
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
    makeDirectory(dataDir);
    const secret = randomBytes(48).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600 });
    return secret;
  } catch (err) {
    throw new ConfigError(`DATA_DIR ${dataDir} cannot be used: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** A new VAPID key pair (P-256): the public key uncompressed, both base64url. */
export function generateVapidKeys(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { publicKey: ecdh.getPublicKey().toString('base64url'), privateKey: ecdh.getPrivateKey().toString('base64url') };
}

/** Outside production, VAPID keys are generated once and kept under DATA_DIR, so browsers' subscriptions survive restarts. */
function devVapidKeys(dataDir: string): { publicKey: string; privateKey: string } {
  const file = path.join(dataDir, '.vapid-keys.json');
  try {
    if (existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { publicKey?: unknown; privateKey?: unknown };
      if (typeof saved.publicKey === 'string' && typeof saved.privateKey === 'string') return { publicKey: saved.publicKey, privateKey: saved.privateKey };
    }
    makeDirectory(dataDir);
    const keys = generateVapidKeys();
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
    return keys;
  } catch (err) {
    throw new ConfigError(`DATA_DIR ${dataDir} cannot be used: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function pushSettings(env: Env, nodeEnv: NodeEnv, dataDir: string, adminEmail: string): PushSettings {
  allOrNone(env, ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY']);
  const publicKey = str(env, 'VAPID_PUBLIC_KEY');
  const privateKey = str(env, 'VAPID_PRIVATE_KEY');
  let keys: { publicKey: string; privateKey: string } | undefined;
  if (publicKey && privateKey) {
    const pub = /^[A-Za-z0-9_-]+={0,2}$/.test(publicKey) ? Buffer.from(publicKey, 'base64url') : Buffer.alloc(0);
    if (pub.length !== 65 || pub[0] !== 4) throw new ConfigError('VAPID_PUBLIC_KEY must be an uncompressed P-256 public key in base64url (65 bytes, 87 characters)');
    const priv = /^[A-Za-z0-9_-]+={0,2}$/.test(privateKey) ? Buffer.from(privateKey, 'base64url') : Buffer.alloc(0);
    if (priv.length !== 32) throw new ConfigError('VAPID_PRIVATE_KEY must be a P-256 private key in base64url (32 bytes, 43 characters)');
    keys = { publicKey, privateKey };
  } else if (nodeEnv === 'test') keys = generateVapidKeys();
  else if (nodeEnv === 'development') keys = devVapidKeys(dataDir);
  const subject = str(env, 'VAPID_SUBJECT') ?? `mailto:${adminEmail}`;
  if (!/^mailto:[^\s@]+@[^\s@]+$/.test(subject) && !/^https:\/\/[^\s]+$/.test(subject)) {
    throw new ConfigError(`VAPID_SUBJECT must be a mailto: address or an https: URL (got "${subject}")`);
  }
  return {
    vapid: keys ? { ...keys, subject } : undefined,
    allowPrivate: bool(env, 'PUSH_ALLOW_PRIVATE', false),
    timeoutMs: int(env, 'PUSH_TIMEOUT_SECONDS', 10, 1, 120) * 1000,
  };
}

/** Where this server answers, for absolute links to itself: PUBLIC_URL, else this machine's port. */
export function apiBaseUrl(config: Pick<Config, 'publicUrl' | 'port'>): string {
  return config.publicUrl ?? `http://localhost:${config.port}`;
}

/** Where people open the web app, for links in emails: the first FRONTEND_URL, else this server. */
export function appBaseUrl(config: Pick<Config, 'frontendUrls' | 'publicUrl' | 'port'>): string {
  return config.frontendUrls[0] ?? apiBaseUrl(config);
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnvRaw = str(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError(`NODE_ENV must be development, production or test (got "${nodeEnvRaw}")`);
  }
  const nodeEnv = nodeEnvRaw as NodeEnv;
  const dataDir = path.resolve(str(env, 'DATA_DIR') ?? './data');
  const timezone = str(env, 'TIMEZONE') ?? 'Asia/Kolkata';
  if (!isValidTimeZone(timezone)) throw new ConfigError(`TIMEZONE "${timezone}" is not a valid IANA time zone`);

  let jwtSecret = str(env, 'JWT_SECRET');
  if (!jwtSecret) {
    if (nodeEnv === 'production') throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
    jwtSecret = nodeEnv === 'test' ? randomBytes(32).toString('hex') : devJwtSecret(dataDir);
  }
  if (jwtSecret.length < 16) throw new ConfigError('JWT_SECRET must be at least 16 characters');

  const legacy = str(env, 'LEGACY_ERROR_STATUS');
  if (legacy !== undefined && legacy !== '200') throw new ConfigError('LEGACY_ERROR_STATUS can only be 200');
  const legacyClients = bool(env, 'LEGACY_CLIENTS', false);

  allOrNone(env, ['CLOUDINARY_NAME', 'CLOUDINARY_API_KEY', 'CLOUDINARY_SECRET_KEY']);
  allOrNone(env, ['RAZORPAY_KEY_ID', 'RAZORPAY_KEY_SECRET']);
  const cloudName = str(env, 'CLOUDINARY_NAME');
  const cloudKey = str(env, 'CLOUDINARY_API_KEY');
  const cloudSecret = str(env, 'CLOUDINARY_SECRET_KEY');
  const rzpId = str(env, 'RAZORPAY_KEY_ID');
  const rzpSecret = str(env, 'RAZORPAY_KEY_SECRET');
  const stripeKey = str(env, 'STRIPE_SECRET_KEY');

  const currency = (str(env, 'CURRENCY') ?? 'INR').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency) || !Intl.supportedValuesOf('currency').includes(currency)) {
    throw new ConfigError(`CURRENCY must be an ISO 4217 currency code such as INR, USD or EUR (got "${currency}")`);
  }

  const logLevel = str(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info');
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);

  const port = int(env, 'PORT', 4000, 0, 65535);
  const opsPort = str(env, 'OPS_PORT') === undefined ? undefined : int(env, 'OPS_PORT', 0, 1, 65535);
  if (opsPort !== undefined && opsPort === port) throw new ConfigError(`OPS_PORT must differ from PORT (both are ${port}): it is the private port of /ready and /metrics`);

  const adminPasswordSet = str(env, 'ADMIN_PASSWORD');
  const adminPassword = adminPasswordSet ?? DEFAULT_ADMIN_PASSWORD;
  if (nodeEnv === 'production' && (adminPassword === DEFAULT_ADMIN_PASSWORD || adminPassword.length < MIN_ADMIN_PASSWORD_LENGTH)) {
    throw new ConfigError(
      `ADMIN_PASSWORD must be set to a password of at least ${MIN_ADMIN_PASSWORD_LENGTH} characters other than the default when NODE_ENV=production`,
    );
  }

  const adminEmail = emailAddress('ADMIN_EMAIL', str(env, 'ADMIN_EMAIL') ?? 'admin@prescripto.com', false).toLowerCase();
  const frontendUrls = (str(env, 'FRONTEND_URL') ?? '').split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean);
  for (const u of frontendUrls) url({ FRONTEND_URL: u }, 'FRONTEND_URL', ['http:', 'https:'], 'https://app.example.com');

  return {
    nodeEnv,
    host: host(str(env, 'HOST')),
    port,
    logLevel,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/prescripto', true),
    databaseReadUrls: readUrls(env),
    replicaMaxLagMs: int(env, 'REPLICA_MAX_LAG_MS', 5_000, 0, 3_600_000),
    replicaCheckMs: int(env, 'REPLICA_CHECK_MS', 1_000, 100, 60_000),
    dataDir,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:'], 'redis://127.0.0.1:6379', true),
    redisPrefix: str(env, 'REDIS_PREFIX') ?? 'prescripto:',
    jwtSecret,
    jwtExpiresIn: int(env, 'JWT_EXPIRES_IN_SECONDS', 24 * 3600, 60),
    refreshTokenTtlSeconds: int(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 60),
    security: {
      rateLimit: bool(env, 'RATE_LIMIT', true),
      globalMax: int(env, 'RATE_LIMIT_MAX', 600, 1),
      windowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 24 * 3600),
      authIpMax: int(env, 'AUTH_RATE_LIMIT_IP_MAX', 30, 1),
      authAccountMax: int(env, 'AUTH_RATE_LIMIT_ACCOUNT_MAX', 10, 1),
      authWindowSeconds: int(env, 'AUTH_RATE_LIMIT_WINDOW_SECONDS', 15 * 60, 1, 24 * 3600),
      loginDelayMs: int(env, 'AUTH_LOGIN_DELAY_MS', 250, 0, 10_000),
      loginDelayMaxMs: int(env, 'AUTH_LOGIN_DELAY_MAX_MS', 4000, 0, 30_000),
      passwordResetTtlMinutes: int(env, 'PASSWORD_RESET_TTL_MINUTES', 60, 5, 7 * 24 * 60),
      bcryptRounds: int(env, 'BCRYPT_ROUNDS', 10, 4, 15),
      totpIssuer: str(env, 'TOTP_ISSUER') ?? 'Prescripto',
      trustProxy: trustProxy(str(env, 'TRUST_PROXY')),
      revocationCacheSeconds: int(env, 'REVOCATION_CACHE_SECONDS', 5, 0, 300),
    },
    adminEmail,
    adminPassword,
    adminPasswordIsDefault: adminPasswordSet === undefined,
    // production seeds demo doctors (with a known password) only when asked to in so many words
    seedDemo: bool(env, 'SEED_DEMO', nodeEnv !== 'production'),
    currency,
    frontendUrls,
    timezone,
    legacyClients,
    // LEGACY_ERROR_STATUS=200 is the older name of this one part of LEGACY_CLIENTS
    legacyErrorStatus: legacy || legacyClients ? 200 : undefined,
    opsToken: str(env, 'OPS_TOKEN'),
    opsPort,
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    dbQueryTimeoutMs: int(env, 'DB_QUERY_TIMEOUT_MS', 5_000, 0, 600_000),
    dbPreparedStatements: bool(env, 'DB_PREPARED_STATEMENTS', true),
    embeddedSharedBuffersMb: int(env, 'EMBEDDED_SHARED_BUFFERS_MB', 32, 1, 1024),
    embeddedWorkMemKb: int(env, 'EMBEDDED_WORK_MEM_KB', 4096, 64, 1024 * 1024),
    bodyLimit: int(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024),
    uploadMaxBytes: int(env, 'UPLOAD_MAX_BYTES', 5 * 1024 * 1024, 1024),
    images: {
      maxSide: int(env, 'IMAGE_MAX_SIDE', 6000, 512, 16383),
      maxPixels: int(env, 'IMAGE_MAX_PIXELS', 25_000_000, 262_144, 268_402_689),
      timeoutSeconds: int(env, 'IMAGE_TIMEOUT_SECONDS', 10, 1, 600),
      // libuv has 4 threads unless UV_THREADPOOL_SIZE says otherwise: keep at least two for bcrypt
      concurrency: int(env, 'IMAGE_CONCURRENCY', 1, 1, 16),
      queueMax: int(env, 'IMAGE_QUEUE_MAX', 4, 0, 1000),
    },
    paymentRequired: bool(env, 'PAYMENT_REQUIRED', false),
    paymentWindowMinutes: int(env, 'PAYMENT_WINDOW_MINUTES', 15, 1, 24 * 60),
    expirySweepSeconds: int(env, 'EXPIRY_SWEEP_SECONDS', 60, 1, 24 * 3600),
    scheduling: {
      slotMinutes: int(env, 'SLOT_MINUTES', 30, 5, 480),
      bufferMinutes: int(env, 'BUFFER_MINUTES', 15, 0, 240),
      slotIntervalMinutes: int(env, 'SLOT_INTERVAL_MINUTES', 30, 5, 480),
      minNoticeMinutes: int(env, 'MIN_NOTICE_MINUTES', 60, 0, 30 * 24 * 60),
      maxAdvanceDays: int(env, 'MAX_ADVANCE_DAYS', 30, 1, 366),
      allowWeekends: bool(env, 'ALLOW_WEEKENDS', false),
      workingHours: parseWorkingHours(str(env, 'WORKING_HOURS') ?? '1-5 10:00-21:00'),
      maxSlotRangeDays: int(env, 'MAX_SLOT_RANGE_DAYS', 31, 1, 366),
      maxLiveBookingsPerPatient: int(env, 'MAX_LIVE_BOOKINGS_PER_PATIENT', 10, 1, 1_000_000),
      maxLiveBookingsPerPatientPerDoctor: int(env, 'MAX_LIVE_BOOKINGS_PER_PATIENT_PER_DOCTOR', 3, 1, 1_000_000),
    },
    video: {
      baseUrl: (url(env, 'VIDEO_BASE_URL', ['http:', 'https:'], 'https://meet.jit.si') ?? 'https://meet.jit.si').replace(/\/+$/, ''),
      opensMinutes: int(env, 'VIDEO_OPENS_MINUTES', 10, 0, 24 * 60),
    },
    waitlist: {
      maxEntries: int(env, 'WAITLIST_MAX_ENTRIES', 3, 1, 100),
      offerMinutes: int(env, 'WAITLIST_OFFER_MINUTES', 15, 1, 24 * 60),
    },
    publicUrl: url(env, 'PUBLIC_URL', ['http:', 'https:'], 'https://api.example.com')?.replace(/\/$/, ''),
    cloudinary:
      cloudName && cloudKey && cloudSecret
        ? { cloudName, apiKey: cloudKey, apiSecret: cloudSecret, apiBase: url(env, 'CLOUDINARY_API_BASE', ['http:', 'https:'], 'https://api.cloudinary.com') }
        : undefined,
    razorpay: rzpId && rzpSecret ? { keyId: rzpId, keySecret: rzpSecret } : undefined,
    razorpayWebhookSecret: str(env, 'RAZORPAY_WEBHOOK_SECRET'),
    razorpayApiBase: url(env, 'RAZORPAY_API_BASE', ['http:', 'https:'], 'https://api.razorpay.com'),
    stripe: stripeKey ? { secretKey: stripeKey } : undefined,
    stripeWebhookSecret: str(env, 'STRIPE_WEBHOOK_SECRET'),
    stripeApiBase: stripeApiBase(str(env, 'STRIPE_API_BASE')),
    refundRetrySeconds: int(env, 'REFUND_RETRY_SECONDS', 60, 0, 24 * 3600),
    refundMaxAttempts: int(env, 'REFUND_MAX_ATTEMPTS', 6, 1, 100),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:'], 'smtp://user:password@smtp.example.com:587', true),
    mailFrom: emailAddress('MAIL_FROM', str(env, 'MAIL_FROM') ?? 'Prescripto <no-reply@prescripto.local>', true),
    webConcurrency: int(env, 'WEB_CONCURRENCY', 1, 1, 64),
    processRole: processRole(env),
    webDir: path.resolve(str(env, 'WEB_DIR') ?? 'web/dist'),
    webhooks: {
      allowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_SECONDS', 10, 1, 120) * 1000,
      maxAttempts: int(env, 'WEBHOOK_MAX_ATTEMPTS', 16, 1, 100),
      backoffMs: int(env, 'WEBHOOK_BACKOFF_SECONDS', 5, 1, 3600) * 1000,
      maxBackoffMs: 10 * 3600_000,
      disableAfterMs: int(env, 'WEBHOOK_DISABLE_HOURS', 72, 1, 24 * 30) * 3600_000,
    },
    messages: {
      windowDays: int(env, 'MESSAGE_WINDOW_DAYS', 14, 0, 365),
      emailDelayMinutes: int(env, 'MESSAGE_EMAIL_DELAY_MINUTES', 30, 0, 7 * 24 * 60),
      ratePerMinute: int(env, 'MESSAGE_RATE_PER_MINUTE', 10, 1, 1000),
    },
    push: pushSettings(env, nodeEnv, dataDir, adminEmail),
    notifications: {
      worker: bool(env, 'NOTIFY_WORKER', nodeEnv !== 'test'),
      intervalMs: int(env, 'NOTIFY_INTERVAL_SECONDS', 5, 1, 3600) * 1000,
      maxAttempts: int(env, 'NOTIFY_MAX_ATTEMPTS', 5, 1, 50),
      backoffMs: int(env, 'NOTIFY_BACKOFF_SECONDS', 30, 1, 3600) * 1000,
      reminderMinutes: minutesList(env, 'REMINDER_MINUTES', [24 * 60, 60]),
      livePingMs: int(env, 'LIVE_PING_SECONDS', 25, 1, 300) * 1000,
      welcomeLinkTtlHours: int(env, 'WELCOME_LINK_TTL_HOURS', 72, 1, 30 * 24),
      leaseMs: int(env, 'NOTIFY_LEASE_SECONDS', 120, 1, 3600) * 1000,
    },
  };
}
