// Small input checks shared by services (schemas cover shape; these cover meaning).

// Close to validator.js isEmail for what users type: a local part, an @, a dotted domain with a TLD.
const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,}$/;

export function isEmail(v: string): boolean {
  if (v.length > 254) return false;
  const at = v.lastIndexOf('@');
  if (at < 1 || at > 64) return false;
  if (v.includes('..')) return false;
  return EMAIL_RE.test(v);
}

export const normalizeEmail = (v: string): string => v.trim().toLowerCase();
