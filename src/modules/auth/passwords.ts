import bcrypt from 'bcrypt';
import { badRequest, unauthorized } from '../../lib/errors.js';
import { normalizeEmail } from '../../lib/validate.js';

// bcrypt at cost 10, as the spec says, so hashes imported from existing Prescripto databases stay
// valid. The async API runs on libuv's thread pool: hashing never blocks the event loop.
export const BCRYPT_COST = 10;

export const hashPassword = (plain: string): Promise<string> => bcrypt.hash(plain, BCRYPT_COST);

export const verifyPassword = (plain: string, hash: string): Promise<boolean> => bcrypt.compare(plain, hash);

// Compared against when an account does not exist, so a miss costs as long as a wrong password and
// response timing does not reveal which emails are registered.
const DUMMY_HASH = '$2b$10$CwTycUXWue0Thq9StjUM0uJ8.3sA4Ek4w9c6R5Z6w0Qe7Yk1Zt7mS';
export const burnPasswordCheck = (plain: string): Promise<boolean> => bcrypt.compare(plain, DUMMY_HASH).then(() => false);

/** The spec's rule for a strong password. */
export const isStrongPassword = (plain: string): boolean => plain.length >= 8;

/**
 * The one credential check every login uses: missing fields are "Missing Details"; an unknown email
 * costs a hash comparison like a wrong password, and both answer the same 401.
 */
export async function checkCredentials<T extends { id: string; passwordHash: string }>(
  input: { email?: string; password?: string },
  findByEmail: (normalizedEmail: string) => Promise<T | undefined>,
): Promise<T> {
  if (!input.email || !input.password) throw badRequest('Missing Details');
  const row = await findByEmail(normalizeEmail(input.email));
  const ok = row ? await verifyPassword(input.password, row.passwordHash) : await burnPasswordCheck(input.password);
  if (!row || !ok) throw unauthorized('Invalid credentials');
  return row;
}
