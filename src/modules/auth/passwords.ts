import bcrypt from 'bcrypt';

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
