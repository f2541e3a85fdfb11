// Live appointment updates. Committed appointment events are published on a Redis channel when
// Redis is configured (every instance subscribes, so a client connected to any instance hears
// changes made on any other), else delivered in-process. Subscribers are SSE connections filtered
// by role: a patient hears their appointments, a doctor theirs, the admin everything.
import type { Config } from '../../config.js';
import type { DomainEvent } from '../../lib/events.js';
import { redisKey, type RedisClient } from '../../lib/redis.js';
import type { RecipientRole } from './tables.js';
import type { Warn } from '../../lib/logger.js';

export interface LiveMessage {
  type: string;
  appointmentId: string;
  doctorId: string;
  patientId: string;
  status: string;
  actor: string;
  at: string;
}

export interface LiveSubscriber {
  role: RecipientRole;
  id: string;
  send(msg: LiveMessage): void;
  /** ends the connection (server shutdown) */
  close(): void;
}

export function concerns(sub: { role: RecipientRole; id: string }, msg: LiveMessage): boolean {
  if (sub.role === 'admin') return true;
  if (sub.role === 'doctor') return msg.doctorId === sub.id;
  return msg.patientId === sub.id;
}

export class LiveHub {
  private readonly subscribers = new Set<LiveSubscriber>();
  private subscriber: RedisClient | undefined;
  private readonly channel: string;
  private ready: Promise<void> | undefined;

  constructor(
    config: Config,
    private readonly redis: RedisClient | undefined,
    private readonly warn: Warn,
  ) {
    this.channel = redisKey(config, 'live', 'appointments');
  }

  /** Starts the Redis subscription (first subscriber); resolves once Redis confirmed it. */
  private ensureSubscribed(): Promise<void> {
    if (!this.redis) return Promise.resolve();
    if (!this.ready) {
      // its own connection (a subscribed connection can do nothing else); it queues the SUBSCRIBE
      // until connected and re-subscribes by itself after a reconnect
      const sub = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
      this.subscriber = sub;
      sub.on('message', (channel: string, payload: string) => {
        if (channel !== this.channel) return;
        try {
          this.deliverLocal(JSON.parse(payload) as LiveMessage);
        } catch (err) {
          this.warn(`live: bad message on ${channel}`, err);
        }
      });
      sub.on('error', () => undefined);
      // a stream must open even while Redis is down: wait for the subscription at most 2 s
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.warn('live: Redis subscription not confirmed yet, live updates from other instances may be late');
          resolve();
        }, 2000);
      });
      const subscribed = sub.subscribe(this.channel).then(
        () => undefined,
        (err: Error) => this.warn('live: Redis subscribe failed, live updates stay on this instance', err),
      );
      this.ready = Promise.race([subscribed, timeout]).finally(() => clearTimeout(timer));
    }
    return this.ready;
  }

  /** Registers a subscriber at once; resolves when the cross-instance subscription is confirmed. */
  async add(sub: LiveSubscriber): Promise<void> {
    this.subscribers.add(sub);
    await this.ensureSubscribed();
  }

  /** Resolves once the wait for the cross-instance subscription (if one started) is over, confirmed or not. */
  settled(): Promise<void> {
    return this.ready ?? Promise.resolve();
  }

  remove(sub: LiveSubscriber): void {
    this.subscribers.delete(sub);
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** events.onPublish listener: after commit, fan the change out. */
  async onEvent(event: DomainEvent): Promise<void> {
    if (event.kind !== 'appointment' && event.kind !== 'message' && event.kind !== 'waitlist') return;
    // a message event names the thread only (`message.sent`, `message.read`): clients fetch the
    // thread, so no body travels through Redis or reaches the admin's stream; a waitlist event
    // (`waitlist.offered`, …) names the entry in `appointmentId`'s place, and clients fetch the offer
    const msg: LiveMessage = event.kind === 'waitlist' ? {
      type: `waitlist.${event.type}`,
      appointmentId: event.entryId,
      doctorId: event.doctorId,
      patientId: event.patientId,
      status: event.type,
      actor: 'system',
      at: event.at.toISOString(),
    } : {
      type: event.kind === 'message' ? `message.${event.type}` : event.type,
      appointmentId: event.appointmentId,
      doctorId: event.doctorId,
      patientId: event.patientId,
      status: event.kind === 'message' ? '' : event.status,
      actor: event.actor,
      at: event.at.toISOString(),
    };
    if (this.redis && this.redis.status === 'ready') {
      try {
        // every instance, this one included, receives it through its subscription
        await this.redis.publish(this.channel, JSON.stringify(msg));
        if (this.subscriber?.status === 'ready') return;
      } catch (err) {
        this.warn('live: Redis publish failed, delivering on this instance only', err);
      }
    }
    this.deliverLocal(msg);
  }

  private deliverLocal(msg: LiveMessage): void {
    for (const s of this.subscribers) {
      if (!concerns(s, msg)) continue;
      try {
        s.send(msg);
      } catch {
        this.subscribers.delete(s);
      }
    }
  }

  async close(): Promise<void> {
    for (const s of this.subscribers) {
      try {
        s.close();
      } catch {
        /* already gone */
      }
    }
    this.subscribers.clear();
    this.subscriber?.disconnect();
  }
}

/**
 * A request URL for the logs, with `?token=` (the SSE access token of EventSource clients) masked:
 * the log must not hold credentials.
 */
export function redactUrlToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}
