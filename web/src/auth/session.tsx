// React side of the session (auth/store.ts): a hook that re-renders on sign-in/out, and login,
// register and logout through the API with the refresh token kept in a cookie.
import { useSyncExternalStore } from 'react';
import { ApiError } from '../api/client';
import { COOKIE_HEADER, PREFIX, session, type Role, type SessionState } from './store';

export function useSession(): SessionState {
  return useSyncExternalStore((fn) => session.subscribe(fn), () => session.get());
}

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', ...COOKIE_HEADER, ...headers },
    body: JSON.stringify(body),
  });
  let data: Record<string, unknown> = {};
  try {
    data = (await res.json()) as Record<string, unknown>;
  } catch {
    /* empty or not JSON */
  }
  if (!res.ok || data.success === false) throw new ApiError(typeof data.message === 'string' ? data.message : `HTTP ${res.status}`, res.status, res.headers);
  return data;
}

/**
 * Logs in; a 401 with `x-2fa-required` means the account needs a code (ApiError.headers tells).
 * `mustChangePassword`: a doctor signed in with the admin's temporary password and must choose their own.
 */
export async function login(role: Role, credentials: { email: string; password: string; otp?: string }): Promise<{ mustChangePassword: boolean }> {
  const data = await postJson(`${PREFIX[role]}/login`, credentials);
  session.signedIn(role, String(data.token));
  return { mustChangePassword: data.mustChangePassword === true };
}

export async function register(body: { name: string; email: string; password: string }): Promise<void> {
  const data = await postJson('/api/user/register', body);
  session.signedIn('patient', String(data.token));
}

export async function logout(opts: { everywhere?: boolean } = {}): Promise<void> {
  const { role, token } = session.get();
  if (role && token) {
    try {
      await postJson(`${PREFIX[role]}/logout`, opts.everywhere ? { everywhere: true } : {}, { authorization: `Bearer ${token}` });
    } catch {
      /* the session may already be over; forget it here either way */
    }
  }
  session.signedOut();
}

export function requires2fa(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401 && err.headers?.get('x-2fa-required') === 'totp';
}
