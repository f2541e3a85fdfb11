import bcrypt from 'bcrypt';
import { badRequest, unauthorized } from '../../lib/errors.js';
import { normalizeEmail } from '../../lib/validate.js';

// bcrypt at cost 10, as the spec says, so hashes imported from existing Prescripto databases stay
// valid. The async API runs on libuv's thread pool: hashing never blocks the event loop. The cost of
// new hashes is a setting (BCRYPT_ROUNDS, src/config.ts) only so the test fixtures can create their
// many accounts cheaply; a hash records its own cost, so checking one never needs the setting.
export const BCRYPT_COST = 10;

export const hashPassword = (plain: string, cost: number = BCRYPT_COST): Promise<string> => bcrypt.hash(plain, cost);

export const verifyPassword = (plain: string, hash: string): Promise<boolean> => bcrypt.compare(plain, hash);

// Compared against when an account does not exist, so a miss costs as long as a wrong password and
// response timing does not reveal which emails are registered.
// The hash is at the cost new accounts get: made once per cost for any other than 10.
const DUMMY_HASH = '$2b$10$CwTycUXWue0Thq9StjUM0uJ8.3sA4Ek4w9c6R5Z6w0Qe7Yk1Zt7mS';
const dummyHashes = new Map<number, Promise<string>>([[BCRYPT_COST, Promise.resolve(DUMMY_HASH)]]);
function dummyHash(cost: number): Promise<string> {
  let hash = dummyHashes.get(cost);
  if (!hash) dummyHashes.set(cost, (hash = bcrypt.hash('not a password of anyone', cost)));
  return hash;
}
export const burnPasswordCheck = async (plain: string, cost: number = BCRYPT_COST): Promise<boolean> => {
  await bcrypt.compare(plain, await dummyHash(cost));
  return false;
};

/** The spec's rule for a strong password. */
export const isStrongPassword = (plain: string): boolean => plain.length >= 8;

/**
 * The one credential check every login uses: missing fields are "Missing Details"; an unknown email
 * costs a hash comparison like a wrong password (at `cost`, the cost of new hashes), and both answer
 * the same 401.
 */
export async function checkCredentials<T extends { id: string; passwordHash: string }>(
  input: { email?: string; password?: string },
  findByEmail: (normalizedEmail: string) => Promise<T | undefined>,
  cost: number = BCRYPT_COST,
): Promise<T> {
  if (!input.email || !input.password) throw badRequest('Missing Details');
  const row = await findByEmail(normalizeEmail(input.email));
  const ok = row ? await verifyPassword(input.password, row.passwordHash) : await burnPasswordCheck(input.password, cost);
  if (!row || !ok) throw unauthorized('Invalid credentials');
  return row;
}
