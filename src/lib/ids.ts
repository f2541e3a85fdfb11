import { randomBytes } from 'node:crypto';

// Ids are MongoDB ObjectId-shaped (24 hex chars: 4-byte time, 5 random bytes, 3-byte counter) so
// records imported from an existing Prescripto MongoDB keep their ids and old clients keep working.
const processRandom = randomBytes(5).toString('hex');
let counter = randomBytes(3).readUIntBE(0, 3);

export function newId(now: Date = new Date()): string {
  counter = (counter + 1) % 0xffffff;
  const time = Math.floor(now.getTime() / 1000).toString(16).padStart(8, '0').slice(-8);
  return time + processRandom + counter.toString(16).padStart(6, '0');
}

export const ID_PATTERN = '^[0-9a-fA-F]{24}$';
const idRe = new RegExp(ID_PATTERN);
export const isId = (v: unknown): v is string => typeof v === 'string' && idRe.test(v);
