// Client-side checks mirroring the server's schemas (src/lib/schemas.ts): the server stays the judge,
// these only spare a round trip and point at the field.
import type { MessageKey } from '../i18n/en';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkEmail(v: string): MessageKey | undefined {
  return EMAIL.test(v.trim()) && v.length <= 254 ? undefined : 'validation.email';
}
export function checkPassword(v: string): MessageKey | undefined {
  if (v.length < 8) return 'validation.password';
  if (new TextEncoder().encode(v).length > 72) return 'validation.passwordLong';
  return undefined;
}
export function checkName(v: string): MessageKey | undefined {
  return v.trim().length > 0 && v.length <= 100 ? undefined : 'validation.name';
}
