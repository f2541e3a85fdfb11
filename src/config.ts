// The ONLY module that reads process.env. Everything else receives a typed Config.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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
  dataDir: string;
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
  seedDemo: boolean;
  currency: string;
  frontendUrls: string[];
  timezone: string;
  /** 200 answers errors with HTTP 200 for legacy clients that only read the body */
  legacyErrorStatus?: number;
  /** OPS_TOKEN: when set, /ready and /metrics need `Authorization: Bearer <token>` */
  opsToken?: string;
  /** OPS_PORT: when set, /ready and /metrics are served only on this port (not the public one) */
  opsPort?: number;
  /** SHUTDOWN_TIMEOUT_MS: how long SIGTERM waits for requests in flight before exiting 1 */
  shutdownTimeoutMs: number;
  /** DB_QUERY_TIMEOUT_MS: longest statement on a PostgreSQL server before a 503 (0: no limit) */
  dbQueryTimeoutMs: number;
  bodyLimit: number;
  uploadMaxBytes: number;
  paymentRequired: boolean;
  paymentWindowMinutes: number;
  /** EXPIRY_SWEEP_SECONDS: how often unpaid bookings past the payment window are cancelled */
  expirySweepSeconds: number;
  scheduling: SchedulingDefaults;
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
  notifications: NotificationSettings;
  /** WEB_DIR: the built web app (index.html + assets/) served at / and as the SPA fallback; absent folder: API only */
  webDir: string;
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
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Issue 7: rate limits, password resets, second factor (README "Security"). */
export interface SecuritySettings {
  /** RATE_LIMIT=false turns every limit off (benchmarks) */
  rateLimit: boolean;
  /** requests per IP per window on every route */
  globalMax: number;
  windowSeconds: number;
  /** login, register, forgot/reset-password, refresh, 2FA and payment-verify calls per IP per auth window */
  authIpMax: number;
  /** the same calls per account (email) per auth window */
  authAccountMax: number;
  authWindowSeconds: number;
  passwordResetTtlMinutes: number;
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
      const start = Number(m[1]) * 60 + Number(m[2]);
      const end = Number(m[3]) * 60 + Number(m[4]);
      if (end <= start || end > 24 * 60) throw new ConfigError(`WORKING_HOURS range "${r}" must end after it starts`);
      for (const weekday of dayList) out.push({ weekday, start, end });
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
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
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

  const cloudName = str(env, 'CLOUDINARY_NAME');
  const cloudKey = str(env, 'CLOUDINARY_API_KEY');
  const cloudSecret = str(env, 'CLOUDINARY_SECRET_KEY');
  const rzpId = str(env, 'RAZORPAY_KEY_ID');
  const rzpSecret = str(env, 'RAZORPAY_KEY_SECRET');
  const stripeKey = str(env, 'STRIPE_SECRET_KEY');

  const currency = (str(env, 'CURRENCY') ?? 'INR').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) throw new ConfigError(`CURRENCY must be a 3-letter ISO code (got "${currency}")`);

  return {
    nodeEnv,
    host: str(env, 'HOST') ?? '0.0.0.0',
    port: int(env, 'PORT', 4000, 0, 65535),
    logLevel: str(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    databaseUrl: str(env, 'DATABASE_URL'),
    dataDir,
    redisUrl: str(env, 'REDIS_URL'),
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
      passwordResetTtlMinutes: int(env, 'PASSWORD_RESET_TTL_MINUTES', 60, 5, 7 * 24 * 60),
      totpIssuer: str(env, 'TOTP_ISSUER') ?? 'Prescripto',
      trustProxy: trustProxy(str(env, 'TRUST_PROXY')),
      revocationCacheSeconds: int(env, 'REVOCATION_CACHE_SECONDS', 5, 0, 300),
    },
    adminEmail: (str(env, 'ADMIN_EMAIL') ?? 'admin@prescripto.com').toLowerCase(),
    adminPassword: str(env, 'ADMIN_PASSWORD') ?? 'admin-password-change-me',
    seedDemo: bool(env, 'SEED_DEMO', true),
    currency,
    frontendUrls: (str(env, 'FRONTEND_URL') ?? '').split(',').map((s) => s.trim().replace(/\/$/, '')).filter(Boolean),
    timezone,
    legacyErrorStatus: legacy ? 200 : undefined,
    opsToken: str(env, 'OPS_TOKEN'),
    opsPort: str(env, 'OPS_PORT') === undefined ? undefined : int(env, 'OPS_PORT', 0, 1, 65535),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    dbQueryTimeoutMs: int(env, 'DB_QUERY_TIMEOUT_MS', 5_000, 0, 600_000),
    bodyLimit: int(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024),
    uploadMaxBytes: int(env, 'UPLOAD_MAX_BYTES', 5 * 1024 * 1024, 1024),
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
    publicUrl: str(env, 'PUBLIC_URL')?.replace(/\/$/, ''),
    cloudinary:
      cloudName && cloudKey && cloudSecret
        ? { cloudName, apiKey: cloudKey, apiSecret: cloudSecret, apiBase: str(env, 'CLOUDINARY_API_BASE') }
        : undefined,
    razorpay: rzpId && rzpSecret ? { keyId: rzpId, keySecret: rzpSecret } : undefined,
    razorpayWebhookSecret: str(env, 'RAZORPAY_WEBHOOK_SECRET'),
    razorpayApiBase: str(env, 'RAZORPAY_API_BASE'),
    stripe: stripeKey ? { secretKey: stripeKey } : undefined,
    stripeWebhookSecret: str(env, 'STRIPE_WEBHOOK_SECRET'),
    stripeApiBase: stripeApiBase(str(env, 'STRIPE_API_BASE')),
    refundRetrySeconds: int(env, 'REFUND_RETRY_SECONDS', 60, 0, 24 * 3600),
    refundMaxAttempts: int(env, 'REFUND_MAX_ATTEMPTS', 6, 1, 100),
    smtpUrl: str(env, 'SMTP_URL'),
    mailFrom: str(env, 'MAIL_FROM') ?? 'Prescripto <no-reply@prescripto.local>',
    webConcurrency: int(env, 'WEB_CONCURRENCY', 1, 1, 64),
    webDir: path.resolve(str(env, 'WEB_DIR') ?? 'web/dist'),
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
