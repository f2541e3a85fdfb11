// The session, outside React so the API client can read it. The access token lives in memory only
// (a reload loses it on purpose); the refresh token is an HttpOnly, SameSite=Strict cookie scoped to
// /api/<role>/refresh that no script can read. On start the app asks that endpoint for a new access
// token. localStorage keeps only which role was logged in (no token, nothing personal) so the app
// knows which refresh endpoint to ask.
export type Role = 'patient' | 'doctor' | 'admin';

export const PREFIX: Record<Role, '/api/user' | '/api/doctor' | '/api/admin'> = { patient: '/api/user', doctor: '/api/doctor', admin: '/api/admin' };
const ROLE_KEY = 'prescripto.role';
/** Sent on login, register, refresh and logout: the server keeps the refresh token in a cookie. */
export const COOKIE_HEADER = { 'x-session-cookie': '1' } as const;

export interface SessionState {
  status: 'loading' | 'anonymous' | 'signed-in';
  role?: Role;
  token?: string;
  /** account id (from the token), for matching live events */
  id?: string;
}

type Listener = (s: SessionState) => void;

function claims(token: string): { id?: string; role?: Role } {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part)) as { id?: string; role?: Role };
  } catch {
    return {};
  }
}

class SessionStore {
  private state: SessionState = { status: 'loading' };
  private listeners = new Set<Listener>();
  private refreshing?: Promise<string | undefined>;

  get(): SessionState {
    return this.state;
  }
  token(): string | undefined {
    return this.state.token;
  }
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  private set(next: SessionState) {
    this.state = next;
    for (const fn of this.listeners) fn(next);
  }

  signedIn(role: Role, token: string) {
    localStorage.setItem(ROLE_KEY, role);
    const c = claims(token);
    this.set({ status: 'signed-in', role, token, id: c.id });
  }

  signedOut() {
    localStorage.removeItem(ROLE_KEY);
    this.set({ status: 'anonymous' });
  }

  /** A new access token from the refresh cookie (one call at a time), or undefined when the session is over. */
  refresh(): Promise<string | undefined> {
    const role = (this.state.role ?? localStorage.getItem(ROLE_KEY)) as Role | null;
    if (!role || !(role in PREFIX)) {
      if (this.state.status === 'loading') this.signedOut();
      return Promise.resolve(undefined);
    }
    this.refreshing ??= (async () => {
      try {
        const res = await fetch(`${PREFIX[role]}/refresh`, { method: 'POST', headers: COOKIE_HEADER, credentials: 'same-origin' });
        if (!res.ok) {
          this.signedOut();
          return undefined;
        }
        const body = (await res.json()) as { token: string };
        this.signedIn(role, body.token);
        return body.token;
      } catch {
        // offline: keep what we have, try again on the next call
        if (this.state.status === 'loading') this.set({ status: 'anonymous' });
        return undefined;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}

export const session = new SessionStore();
