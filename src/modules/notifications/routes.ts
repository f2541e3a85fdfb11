// Notification routes: in-app notifications (patient, doctor), live update streams (SSE, every
// role), the doctor's calendar feed, and the admin's view of the outbox: one plugin per role prefix,
// and the public calendar feed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { errors, Message } from '../../lib/schemas.js';
import { authenticate, authId, extractToken } from '../auth/guards.js';
import type { AccessClaims, Role } from '../auth/tokens.js';
import type { LiveHub, LiveMessage } from './live.js';
import {
  DoctorIdParams, FeedParams, FeedStatus, FeedUrl, ListQuery, MarkReadBody, MarkReadResult, NotificationList, OutboxIdParams, OutboxList, OutboxMessage, OutboxQuery, StreamQuery,
} from './schemas.js';

const tags = ['notifications'];
const security = [{ bearer: [] }];

/** In-app notifications of one role. */
const inAppRoutes = (role: 'patient' | 'doctor'): FastifyPluginAsyncTypebox => async (app) => {
  const { notifications } = app.ctx;
  const who = role === 'patient' ? 'Patient' : 'Doctor';

  app.get('/notifications', {
    schema: { tags, operationId: `list${who}Notifications`, summary: 'Your notifications, newest first, with the unread count', security, querystring: ListQuery, response: { 200: NotificationList,  } },
  }, async (request) => {
    const { page = 1, limit = 20, unread = false } = request.query;
    return { success: true, ...(await notifications.list(role, authId(request), page, limit, unread)) };
  });

  app.post('/notifications/read', {
    schema: { tags, operationId: `mark${who}NotificationsRead`, summary: 'Mark notifications read (all of them when no ids are given)', security, body: MarkReadBody, response: { 200: MarkReadResult,  } },
  }, async (request) => {
    const id = authId(request);
    const updated = await notifications.markRead(role, id, request.body?.ids);
    return { success: true, updated, unreadCount: await notifications.unreadCount(role, id) };
  });
};

/** Whether the stream's session may go on: false once the token is revoked (logout, password change) or expired. */
type SessionCheck = () => Promise<boolean>;

/**
 * Opens a Server-Sent Events stream of the appointment changes `role` may see. The token comes
 * from the usual headers or, for EventSource (which cannot set headers), from `?token=`. The token
 * is checked again on every keep-alive and the stream ends when its session does: a stream must not
 * outlive a logout, a password change or the token's expiry.
 */
async function openStream(live: LiveHub, reply: FastifyReply, role: Role, authed: AccessClaims, sessionValid: SessionCheck, pingMs: number) {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = String(v);
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write('retry: 5000\n\n');
  let seq = 0;
  const send = (msg: LiveMessage) => {
    res.write(`id: ${Date.now()}-${seq++}\nevent: appointment\ndata: ${JSON.stringify(msg)}\n\n`);
  };
  const sub = { role, id: authed.id, send, close: () => res.end() };
  // declared before the 'close' handler, which can run while `live.add` is still awaited
  // eslint-disable-next-line prefer-const -- a const would be in its temporal dead zone there
  let ping: NodeJS.Timeout | undefined;
  let expiry: NodeJS.Timeout | undefined;
  const end = (reason: string) => {
    if (res.writableEnded) return;
    res.write(`event: end\ndata: ${JSON.stringify({ reason })}\n\n`);
    res.end();
  };
  // attached before anything is awaited: a client gone during the first Redis subscribe must not
  // leave its subscriber behind
  res.on('close', () => {
    clearInterval(ping);
    clearTimeout(expiry);
    live.remove(sub);
  });
  await live.add(sub);
  if (res.destroyed || res.writableEnded) {
    live.remove(sub);
    return;
  }
  // "ready" tells the client its subscription is live (across instances too)
  res.write(`event: ready\ndata: ${JSON.stringify({ role })}\n\n`);
  ping = setInterval(() => {
    res.write(': ping\n\n');
    sessionValid().then(
      (ok) => {
        if (!ok) end('Session ended, please login again');
      },
      () => undefined, // the check itself failed (database down): keep the stream, try at the next ping
    );
  }, pingMs);
  // the token's own expiry (JWT time, which is wall-clock time)
  const left = authed.exp * 1000 - Date.now();
  if (left <= 0) end('Session expired, please login again');
  else if (left < 2 ** 31 - 1) expiry = setTimeout(() => end('Session expired, please login again'), left);
}

const streamRoute = (role: Role): FastifyPluginAsyncTypebox => async (app) => {
  const { live, tokens, config } = app.ctx;
  app.get('/events', {
    // the role's guard is left out: the token may come as ?token=, checked in the handler
    config: { public: true },
    schema: {
      tags,
      operationId: `stream${{ patient: 'Patient', doctor: 'Doctor', admin: 'Admin' }[role]}Events`,
      summary: 'Live appointment updates (text/event-stream); ends with `event: end` when the session does',
      description:
        'Live appointment updates as server-sent events (`text/event-stream`); ends with `event: end` when the session does. ' +
        'Browsers’ EventSource cannot set headers: they may pass the token as `?token=`.',
      security,
      querystring: StreamQuery,
      produces: ['text/event-stream'],
    },
  }, async (request, reply) => {
    const q = request.query.token;
    if (q && !request.headers.authorization) request.headers.authorization = `Bearer ${q}`;
    const claims = await authenticate(tokens, request, role);
    const token = extractToken(request, role) ?? '';
    const sessionValid = async () => !('error' in (await tokens.verify(token)));
    await openStream(live, reply, role, claims, sessionValid, config.notifications.livePingMs);
  });
};

const doctorFeedRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { notifications } = app.ctx;
  app.get('/calendar-feed', {
    schema: { tags, operationId: 'getCalendarFeedStatus', summary: 'Whether your private calendar feed is active', security, response: { 200: FeedStatus,  } },
  }, async (request) => ({ success: true, ...(await notifications.feeds.status(authId(request))) }));

  app.post('/calendar-feed', {
    schema: { tags, operationId: 'rotateCalendarFeed', summary: 'Create your private calendar feed URL, or replace it (the old URL stops working)', security, response: { 200: FeedUrl,  } },
  }, async (request) => ({ success: true, ...(await notifications.feeds.rotate(authId(request))) }));

  app.delete('/calendar-feed', {
    schema: { tags, operationId: 'revokeCalendarFeed', summary: 'Revoke your calendar feed URL', security, response: { 200: Message,  } },
  }, async (request) => {
    const removed = await notifications.feeds.revoke(authId(request));
    return { success: true, message: removed ? 'Calendar feed revoked' : 'No calendar feed was active' };
  });
};

const publicFeedRoute: FastifyPluginAsyncTypebox = async (app) => {
  const { notifications } = app.ctx;
  app.get('/:file', {
    schema: { tags, operationId: 'getCalendarFile', summary: 'A doctor’s calendar feed (text/calendar); the URL itself is the secret', params: FeedParams, produces: ['text/calendar'], response: errors(404) },
  }, async (request, reply) => {
    const text = await notifications.feeds.render(request.params.file.slice(0, -'.ics'.length));
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('cache-control', 'private, max-age=60')
      .header('content-disposition', 'inline; filename="prescripto.ics"')
      .send(text);
  });
};

const adminOutboxRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { notifications, welcome } = app.ctx;
  app.get('/notifications/outbox', {
    schema: { tags, operationId: 'listEmailOutbox', summary: 'Outgoing emails by status (failed ones stay here for a retry)', security, querystring: OutboxQuery, response: { 200: OutboxList,  } },
  }, async (request) => {
    const { status, page = 1, limit = 50 } = request.query;
    return { success: true, ...(await notifications.listOutbox(status, page, limit)) };
  });

  app.post('/notifications/outbox/:id/retry', {
    schema: { tags, operationId: 'retryEmail', summary: 'Send a failed email again', security, params: OutboxIdParams, response: { 200: OutboxMessage, ...errors(404, 409) } },
  }, async (request) => ({ success: true, message: await notifications.retry(request.params.id) }));

  app.post('/doctors/:docId/welcome', {
    schema: { tags, operationId: 'resendDoctorWelcome', summary: 'Send a doctor a fresh welcome email with a new "set your password" link (WELCOME_LINK_TTL_HOURS)', security, params: DoctorIdParams, response: { 200: Message, ...errors(404) } },
  }, async (request) => {
    const to = await welcome.resend(request.params.docId);
    return { success: true, message: `Welcome email sent to ${to}` };
  });
};

/** /api/user: in-app notifications and the live stream. */
export const patientNotificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(inAppRoutes('patient'));
  await app.register(streamRoute('patient'));
};

/** /api/doctor: in-app notifications, the live stream and the calendar feed's settings. */
export const doctorNotificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(inAppRoutes('doctor'));
  await app.register(streamRoute('doctor'));
  await app.register(doctorFeedRoutes);
};

/** /api/admin: the live stream and the email outbox. */
export const adminNotificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(streamRoute('admin'));
  await app.register(adminOutboxRoutes);
};

/** /api/calendar: the doctors' feeds, public (the URL is the secret). */
export const calendarFeedRoutes = publicFeedRoute;
