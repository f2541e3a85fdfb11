// @fastify/swagger: the OpenAPI 3.1 document, served at /openapi.json (the reference page at /docs
// is swagger-ui.ts). Each route's operation is written by plugins/openapi.ts from the route's own
// declaration; clients are generated from this document, so test/openapi/ checks it against what
// the server answers. Register before any route: it collects them as they are added.
import swagger from '@fastify/swagger';
import fp from 'fastify-plugin';
import { apiBaseUrl } from '../../config.js';
import { describeRoute, securitySchemes } from '../openapi.js';

export const OPENAPI_PATH = '/openapi.json';

/** Every tag a route uses, declared once, in the order /docs shows them. */
export const TAGS = [
  { name: 'patients', description: '/api/user: patient accounts: register, login, profile, sessions and passwords' },
  { name: 'appointments', description: 'Booking, rescheduling, cancelling and completing appointments; the doctor and admin dashboards' },
  { name: 'payments', description: 'Razorpay and Stripe payments for an appointment, receipts, and the gateways’ webhooks' },
  { name: 'doctors', description: '/api/doctor: the public doctor list, doctor accounts, sessions, passwords and two-factor authentication' },
  { name: 'scheduling', description: 'Doctors’ working hours, slot settings and time off; the free slots patients can book' },
  { name: 'group sessions', description: 'Sessions a doctor opens with a capacity, own time and fee; patients book places (docs/booking-modes.md)' },
  { name: 'waitlist', description: 'Patients wait for a doctor’s time in a window of dates; freed time is offered, held and accepted as a booking (docs/booking-modes.md)' },
  { name: 'series', description: 'Recurring series: the same time with a doctor every week or two weeks, 2 to 12 occurrences booked all or nothing (docs/booking-modes.md)' },
  { name: 'notifications', description: 'In-app notifications, live updates (server-sent events), calendar feeds and the email outbox' },
  { name: 'admin', description: '/api/admin: the administrator: login, doctors, sessions, two-factor authentication, audit log' },
  { name: 'webhooks', description: '/api/admin/webhooks: outgoing webhooks the admin registers, signed as the Standard Webhooks specification says, and their delivery log' },
  { name: 'reviews', description: 'Patients’ reviews of completed appointments, doctors’ ratings and replies, reports and moderation' },
  { name: 'messages', description: 'Messages between a patient and a doctor about one appointment: threads, read receipts, unread counts; the admin sees counts and reported threads' },
  { name: 'push', description: 'Web Push notifications: the server’s VAPID public key and each patient’s or doctor’s device subscriptions; pushes follow in-app notices and new messages' },
  { name: 'reports', description: 'Admin analytics and doctor reports, as JSON or (with `format=csv`) CSV' },
  { name: 'system', description: 'Is the API up?' },
  { name: 'operations', description: 'Liveness, readiness and Prometheus metrics for load balancers and monitoring' },
];

export default fp(async (app) => {
  const { config } = app.ctx;
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Prescripto API',
        version: '1.0.0',
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          'Doctor-appointment platform. Success answers are `{ success: true, … }`, failures `{ success: false, message }` ' +
          'with a message a person can read.\n\n' +
          'Authenticate with `Authorization: Bearer <token>` (the `token` a login answers), or the legacy headers ' +
          '`token` (patient), `dtoken` (doctor), `atoken` (admin). Access tokens are short-lived: swap the refresh token at ' +
          '`…/refresh` for a new pair.',
      },
      servers: [{ url: apiBaseUrl(config), description: 'this server' }],
      components: { securitySchemes },
      tags: TAGS,
    },
    transform: describeRoute,
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
}, { name: 'swagger', decorators: { fastify: ['ctx'] } });
