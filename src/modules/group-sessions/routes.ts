// Group sessions: the doctor opens, lists and cancels their sessions (/api/doctor/group-sessions);
// a patient books a place (/api/user/group-sessions/:id/book). Open sessions are listed with the
// doctor's free slots (GET /api/doctor/:docId/slots, `groupSessions`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { CancelSessionBody, OpenSessionBody, PlaceBooked, SessionCancelled, SessionIdParams, SessionList, SessionOut } from './schemas.js';

const tags = ['group sessions'];
const security = [{ bearer: [] }];

export const doctorGroupSessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { groupSessions } = app.ctx;

  app.get('/group-sessions', {
    schema: { tags, operationId: 'listDoctorGroupSessions', summary: 'The doctor’s group sessions from yesterday on, soonest first', description: 'Open and cancelled sessions, with places booked and left.', security, response: { 200: SessionList } },
  }, async (request) => ({ success: true, sessions: await groupSessions.listForDoctor(authId(request)) }));

  app.post('/group-sessions', {
    schema: {
      tags, operationId: 'openGroupSession', summary: 'Open a group session', security, body: OpenSessionBody,
      description: 'A session with its own time (in the doctor’s zone), length, fee and up to 50 places. It holds the doctor’s time like an appointment plus the buffer: overlapping an appointment or another session answers 409.',
      response: { 201: SessionOut, ...errors(404, 409) },
    },
  }, async (request, reply) => {
    const session = await groupSessions.open(authId(request), request.body);
    return reply.code(201).send({ success: true, message: 'Group session opened', session });
  });

  app.post('/group-sessions/:id/cancel', {
    schema: {
      tags, operationId: 'cancelGroupSession', summary: 'Cancel a group session and every place in it', security, params: SessionIdParams, body: CancelSessionBody,
      description: 'Every live place is cancelled by the doctor: each patient is told, and each paid place is refunded in full (the cancellation policy for a doctor’s cancellation).',
      response: { 200: SessionCancelled, ...errors(404, 409) },
    },
  }, async (request) => {
    const result = await groupSessions.cancel(request.params.id, authId(request), request.body?.reason);
    return { success: true, message: 'Group session cancelled', ...result };
  });
};

export const patientGroupSessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { groupSessions } = app.ctx;

  app.post('/group-sessions/:id/book', {
    schema: {
      tags, operationId: 'bookGroupSessionPlace', summary: 'Book a place in a group session', security, params: SessionIdParams,
      description: 'The place is an appointment (pay, cancel and list it like one; it cannot be rescheduled). 409 when the session is full, cancelled, started, or the patient already has a place.',
      response: { 201: PlaceBooked, ...errors(404, 409) },
    },
  }, async (request, reply) => {
    const appointment = await groupSessions.bookPlace(authId(request), request.params.id);
    return reply.code(201).send({ success: true, message: 'Place Booked', appointment });
  });
};
