// The load driver, run as its own process (so it never shares a CPU queue with the server it
// measures): `node --import tsx bench/load.ts <options.json>`; prints one LoadResult as JSON.
// Each request can vary (another body, token or path) by cycling through `variants`; latency is
// taken per response to report exact p50/p95/p99.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { summarise } from './lib/stats.js';

export interface Variant {
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  variants?: Variant[];
  connections: number;
  durationS: number;
  /** total requests per second across connections (a steady probe), unlimited when absent */
  rate?: number;
  /** stop after this many requests (e.g. one booking per free slot) */
  amount?: number;
}

const opts = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadOptions;
const variants = opts.variants ?? [];
let next = 0;
const latencies: number[] = [];
const statusCodes: Record<string, number> = {};
let errors = 0;

const started = process.hrtime.bigint();
const instance = autocannon({
  url: opts.url,
  connections: opts.connections,
  duration: opts.durationS,
  amount: opts.amount,
  overallRate: opts.rate,
  timeout: 30,
  requests: [
    {
      method: opts.method ?? 'GET',
      path: opts.path,
      headers: { ...(opts.body || variants.some((v) => v.body) ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      body: opts.body,
      setupRequest: (req) => {
        if (variants.length === 0) return req;
        const v = variants[next++ % variants.length];
        return { ...req, path: v.path ?? req.path, headers: { ...req.headers, ...v.headers }, body: v.body ?? req.body };
      },
    },
  ],
}, (err, result) => {
  if (err) throw err;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify(summarise(latencies, Math.min(seconds, result.duration || seconds), errors + result.timeouts, statusCodes)));
});
instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
  latencies.push(responseTime);
  statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
  if (!(statusCode >= 200 && statusCode < 300) && statusCode !== 304) errors++;
});
instance.on('reqError', () => errors++);
