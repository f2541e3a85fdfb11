// End-to-end harness: a real server process on a fresh database with the local payment-gateway and
// SMTP stand-ins, and headless Chromium driven by playwright-core. Every page a test checks is run
// through axe-core (a serious or critical violation fails the test), screenshotted at phone (360 px)
// and desktop width under test/artifacts/, and watched for Content-Security-Policy violations and
// script errors. A machine without Chromium fails here with what to install: never a skip.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { doctorFields, form, pngBytes } from '../helpers/app.js';
import { CHILD_ADMIN, serverDatabase, startServer, type ServerDatabase, type ServerProcess } from '../helpers/server-process.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { GatewayStub, RZP_KEY_ID, RZP_KEY_SECRET, STRIPE_KEY } from '../modules/payments/stub.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('test/artifacts');
export const PHONE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 900 };

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Launches headless Chromium, or fails with what to install. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The browser tests need Chromium, not found at ${CHROMIUM_PATH}. Install it with ` +
        '`sudo apt-get update && sudo apt-get install -y chromium` (Debian/Ubuntu; .ci/run does this), ' +
        'or point CHROMIUM_PATH at a Chromium or Chrome binary.',
    );
  }
  // Playwright gives every launch a fresh, temporary profile (--user-data-dir), removed on close.
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

/** What an `npm test` worker process (scripts/test-worker.mjs) offers the files it runs; absent outside it. */
interface TestWorker {
  /** awaited in turn before the worker exits */
  atExit: (() => Promise<void>)[];
}
const testWorker = (globalThis as { [key: symbol]: { atExit?: TestWorker['atExit'] } | undefined })[Symbol.for('prescripto.test-worker')];
let workerBrowser: Promise<Browser> | undefined;

/**
 * The browser of a test file. In a worker of `npm test`, which runs several files one after another,
 * the files share one Chromium (a launch costs about half a second of CPU), closed when the worker
 * exits; a file's pages live in contexts of its own (cookies, storage, permissions, service
 * workers), all closed at its end, so nothing passes from one file to the next. A file run on its
 * own launches a browser of its own.
 */
async function browserForFile(): Promise<{ browser: Browser; owned: boolean }> {
  const atExit = testWorker?.atExit;
  if (!atExit) return { browser: await launchBrowser(), owned: true };
  const current = await workerBrowser?.catch(() => undefined);
  if (current?.isConnected()) return { browser: current, owned: false };
  if (!workerBrowser) atExit.push(async () => (await workerBrowser?.catch(() => undefined))?.close());
  workerBrowser = launchBrowser();
  return { browser: await workerBrowser, owned: false };
}

/**
 * How long a page may take to show what a step waits for. Generous: a CI machine running three test
 * files on two cores answers several times slower than a quiet one, and a wait that runs out there
 * fails a journey that works. A wait that succeeds returns as soon as the page is ready.
 */
export const WAIT_MS = 60_000;

/**
 * Waits until the locator matches exactly `expected` elements. A count read once right after a
 * click or a keystroke races the page's re-render (the filtered list arrives a moment later), so
 * every count assertion polls, and fails with the last count seen.
 */
export async function expectCount(locator: Locator, expected: number, message?: string, timeoutMs = WAIT_MS): Promise<void> {
  const end = Date.now() + timeoutMs;
  let seen = await locator.count();
  while (seen !== expected && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 50));
    seen = await locator.count();
  }
  assert.equal(seen, expected, message ?? `expected ${expected} matching elements, saw ${seen}`);
}

export interface E2EOptions {
  /** configure Razorpay and Stripe against the local stand-in (default true) */
  gateways?: boolean;
  env?: Record<string, string>;
}

export class E2E {
  readonly problems: string[] = [];
  /** the contexts of this file's people, closed at its end */
  private readonly contexts = new Set<BrowserContext>();
  private constructor(
    readonly server: ServerProcess,
    readonly db: ServerDatabase,
    readonly stub: GatewayStub,
    readonly smtp: TestSmtp,
    readonly browser: Browser,
    /** launched for this file alone (closed at its end), not the worker's shared one */
    private readonly ownsBrowser: boolean,
    readonly name: string,
  ) {}

  get base(): string {
    return this.server.base;
  }

  /** One server process (fresh database, stand-ins) and a browser for a test file. */
  static async start(name: string, opts: E2EOptions = {}): Promise<E2E> {
    const { browser, owned } = await browserForFile();
    const stub = new GatewayStub();
    const smtp = await startSmtp();
    const db = await serverDatabase();
    try {
      assert.ok(existsSync('web/dist/index.html'), 'web/dist is missing: `npm test` builds it (scripts/build-web.mjs)');
      const stubBase = await stub.start();
      const gateways: Record<string, string> = opts.gateways === false ? {} : {
        RAZORPAY_KEY_ID: RZP_KEY_ID,
        RAZORPAY_KEY_SECRET: RZP_KEY_SECRET,
        RAZORPAY_API_BASE: stubBase,
        STRIPE_SECRET_KEY: STRIPE_KEY,
        STRIPE_API_BASE: stubBase,
      };
      const server = await startServer({
        ...db.env,
        ...gateways,
        SMTP_URL: smtp.url,
        NOTIFY_INTERVAL_SECONDS: '1',
        // a browser journey refreshes and logs in more often than the default per-IP budget allows
        AUTH_RATE_LIMIT_IP_MAX: '10000',
        RATE_LIMIT_MAX: '100000',
        ALLOW_WEEKENDS: 'true',
        WORKING_HOURS: '0-6 00:00-23:59',
        MIN_NOTICE_MINUTES: '0',
        ...opts.env,
      });
      mkdirSync(path.join(ARTIFACTS, name), { recursive: true });
      return new E2E(server, db, stub, smtp, browser, owned, name);
    } catch (err) {
      if (owned) await browser.close();
      await stub.stop();
      await smtp.close();
      await db.cleanup();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.contexts].map((context) => context.close()));
    this.contexts.clear();
    if (this.ownsBrowser) await this.browser.close();
    this.server?.proc.kill('SIGTERM');
    await this.server?.exited;
    await this.stub.stop();
    await this.smtp.close();
    await this.db.cleanup();
  }

  /** A new person: their own context (cookies, storage), the gateway stand-ins wired in. */
  async person(opts: { viewport?: { width: number; height: number }; timezoneId?: string } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await this.browser.newContext({
      viewport: opts.viewport ?? DESKTOP,
      baseURL: this.base,
      locale: 'en-IN',
      timezoneId: opts.timezoneId ?? 'Asia/Kolkata',
      acceptDownloads: true,
    });
    this.contexts.add(context);
    context.once('close', () => this.contexts.delete(context));
    // Razorpay's checkout.js, as the stand-in: pays the order at the gateway stub and hands back the
    // signed payment the way the real widget's handler receives it.
    await context.exposeFunction('__razorpayStandIn', (orderId: string) => {
      const payment = this.stub.payRazorpayOrder(orderId);
      const signature = createHmac('sha256', RZP_KEY_SECRET).update(`${orderId}|${payment.id}`).digest('hex');
      return { razorpay_order_id: orderId, razorpay_payment_id: payment.id, razorpay_signature: signature };
    });
    await context.route('https://checkout.razorpay.com/**', (route) =>
      route.fulfill({
        contentType: 'text/javascript',
        body: `window.Razorpay = function (options) {
          this.on = function () {};
          this.open = function () { window.__razorpayStandIn(options.order_id).then(function (r) { options.handler(r); }); };
        };`,
      }),
    );
    // Stripe's hosted checkout page, as the stand-in: the session is paid and the browser sent back.
    await context.route('https://checkout.stripe.test/**', (route) => {
      const id = new URL(route.request().url()).pathname.split('/').pop()!;
      const session = this.stub.payStripeSession(id);
      return route.fulfill({ status: 302, headers: { location: String(session.success_url).replace('{CHECKOUT_SESSION_ID}', id) } });
    });
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) this.problems.push(`CSP: ${msg.text()}`);
    });
    page.on('pageerror', (err) => this.problems.push(`script error: ${err.message}`));
    return { context, page };
  }

  /**
   * Checks the page as it is now: no serious/critical axe violation; screenshots at phone and desktop
   * width (test/artifacts/<file>/<name>-360.png, -desktop.png).
   */
  async check(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('load');
    await page.locator('[role="status"].loading').first().waitFor({ state: 'detached', timeout: 15_000 }).catch(() => undefined);
    const hasAxe = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
    // evaluated through the DevTools protocol, not a <script> tag: the page's CSP stays untouched
    if (!hasAxe) await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad, [], `axe: serious/critical violations on ${name} (${page.url()})`);
    const size = page.viewportSize() ?? DESKTOP;
    const dir = path.join(ARTIFACTS, this.name);
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: path.join(dir, `${name}-360.png`), fullPage: true });
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: path.join(dir, `${name}-desktop.png`), fullPage: true });
    await page.setViewportSize(size);
  }

  /** Waits for `text` on the page; on timeout the error shows what the page said instead. */
  async see(page: Page, text: string | RegExp, timeout = WAIT_MS): Promise<void> {
    try {
      await page.getByText(text).first().waitFor({ timeout });
    } catch (err) {
      const shown = await page.locator('main').innerText().catch(() => '(no main)');
      throw new Error(`"${String(text)}" not shown on ${page.url()}; the page says:\n${shown}\n${(err as Error).message}`);
    }
  }

  /** No CSP violation or uncaught script error happened in any page so far. */
  assertNoProblems(): void {
    assert.deepEqual(this.problems, []);
  }

  // --- API shortcuts for setting the scene (the UI under test is the browser's) ---

  async api<T = Record<string, unknown>>(method: string, url: string, body?: unknown, token?: string): Promise<T> {
    const res = await fetch(`${this.base}${url}`, {
      method,
      headers: { ...(body && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body instanceof FormData ? body : body ? JSON.stringify(body) : undefined,
    });
    const data = (await res.json()) as T & { success?: boolean; message?: string };
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  }

  async adminToken(): Promise<string> {
    return (await this.api<{ token: string }>('POST', '/api/admin/login', CHILD_ADMIN)).token;
  }

  /** A doctor added through the admin API, with a photo. */
  async addDoctor(overrides: Record<string, string | number | object> = {}): Promise<{ id: string; name: string; email: string; password: string }> {
    const fields = doctorFields(overrides);
    const res = await this.api<{ doctor: { _id: string } }>('POST', '/api/admin/add-doctor', form(fields, { bytes: await pngBytes() }), await this.adminToken());
    return { id: res.doctor._id, name: String(fields.name), email: String(fields.email), password: String(fields.password) };
  }
}
