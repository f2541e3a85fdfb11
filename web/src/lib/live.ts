// Live appointment updates from GET /api/<role>/events (Server-Sent Events), read with fetch so the
// access token goes in the Authorization header, never in a URL. Reconnects with a growing delay;
// stops when the session ends (401, or the server's `event: end`).
import { PREFIX, session, type Role } from '../auth/store';

export interface LiveEvent {
  type: string;
  appointmentId: string;
  doctorId: string;
  patientId: string;
  status: string;
  actor?: string;
  at: string;
}

type Listener = (e: LiveEvent) => void;
type StateListener = (connected: boolean) => void;

class LiveStream {
  private listeners = new Set<Listener>();
  private stateListeners = new Set<StateListener>();
  private abort?: AbortController;
  private role?: Role;
  connected = false;

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  onState(fn: StateListener): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }
  private setConnected(v: boolean) {
    this.connected = v;
    for (const fn of this.stateListeners) fn(v);
  }

  start(role: Role) {
    if (this.abort && this.role === role) return;
    this.stop();
    this.role = role;
    const abort = new AbortController();
    this.abort = abort;
    void this.loop(role, abort.signal);
  }

  stop() {
    this.abort?.abort();
    this.abort = undefined;
    this.setConnected(false);
  }

  private async loop(role: Role, signal: AbortSignal) {
    let delay = 1000;
    while (!signal.aborted) {
      const token = session.token();
      if (!token) return;
      try {
        const res = await fetch(`${PREFIX[role]}/events`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal });
        if (res.status === 401) {
          if (!(await session.refresh())) return;
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        delay = 1000;
        const ended = await this.read(res.body, signal);
        this.setConnected(false);
        if (ended) {
          // the server ended the stream because the session is over: ask for a new token once
          if (!(await session.refresh())) return;
        }
      } catch {
        this.setConnected(false);
        if (signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30_000);
    }
  }

  /** Reads SSE frames until the stream closes; true when the server sent `event: end`. */
  private async read(body: ReadableStream<Uint8Array>, signal: AbortSignal): Promise<boolean> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done) return false;
      buf += decoder.decode(value, { stream: true });
      let idx: number;
      while ((idx = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, idx);
        buf = buf.slice(idx + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of frame.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (event === 'ready') this.setConnected(true);
        else if (event === 'end') return true;
        else if (event === 'appointment' && data.length) {
          try {
            const e = JSON.parse(data.join('\n')) as LiveEvent;
            for (const fn of this.listeners) fn(e);
          } catch {
            /* a malformed frame is skipped */
          }
        }
      }
    }
    return false;
  }
}

export const live = new LiveStream();
