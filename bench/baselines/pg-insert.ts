// Baseline for `book`: the booking's INSERT transaction (BEGIN; INSERT … ; COMMIT, the summary
// trigger firing as in the app) sent straight through `pg` to the same PostgreSQL, from
// `connections` concurrent clients of a pool sized like the server's.
// `node --import tsx … <options.json>`; prints a LoadResult.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { summarise } from '../lib/stats.js';

interface Slot {
  doctorId: string;
  patientId: string;
  slotDate: string;
  /** minutes after local midnight */
  minutes: number;
}

const opts = JSON.parse(readFileSync(process.argv[2], 'utf8')) as {
  databaseUrl: string;
  poolSize: number;
  connections: number;
  durationS: number;
  timeZone: string;
  slots: Slot[];
};
const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize });
const INSERT = `
  INSERT INTO appointments (id, patient_id, doctor_id, slot_date, slot_time, starts_at, ends_at, blocks, user_data, doc_data, amount_minor, currency, status, paid, created_at)
  SELECT $1, $2, $3, $4, to_char(t, 'HH12:MI AM'), t AT TIME ZONE $6, (t + interval '30 minutes') AT TIME ZONE $6,
    tstzrange(t AT TIME ZONE $6, (t + interval '45 minutes') AT TIME ZONE $6), $7::jsonb, $8::jsonb, 50000, 'INR', 'pending', false, now()
  FROM (SELECT $4::date::timestamp + make_interval(mins => $5) AS t) AS s`;
const userData = JSON.stringify({ _id: '', name: 'Bench Patient', email: 'bench@example.com', phone: '000000000', address: { line1: '', line2: '' }, gender: 'Not Selected', dob: 'Not Selected', image: '' });
const docData = JSON.stringify({ _id: '', name: 'Dr. Bench', email: '', image: '', speciality: 'General physician', degree: 'MBBS', experience: '1 Years', about: '', fees: 500, address: { line1: '', line2: '' } });

let next = 0;
let errors = 0;
const latencies: number[] = [];
const end = Date.now() + opts.durationS * 1000;
const started = process.hrtime.bigint();

async function worker(w: number): Promise<void> {
  while (Date.now() < end && next < opts.slots.length) {
    const s = opts.slots[next++];
    const id = `ba5e${w.toString(16).padStart(4, '0')}${next.toString(16).padStart(16, '0')}`;
    const t0 = process.hrtime.bigint();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(INSERT, [id, s.patientId, s.doctorId, s.slotDate, s.minutes, opts.timeZone, userData, docData]);
      await client.query('COMMIT');
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    } catch {
      errors++;
      await client.query('ROLLBACK').catch(() => undefined);
    } finally {
      client.release();
    }
  }
}

await Promise.all(Array.from({ length: opts.connections }, (_, w) => worker(w)));
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
await pool.end();
process.stdout.write(JSON.stringify(summarise(latencies, seconds, errors, { '2xx': latencies.length })));
