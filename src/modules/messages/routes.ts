// Message routes: the same thread API for each party under /api/user and /api/doctor, and the
// admin's counts and reported threads under /api/admin.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors, Message } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { collectImages } from '../media/multipart.js';
import {
  AdminCounts, AdminCountsQuery, AdminThread, AppointmentParams, MAX_IMAGES, MessagePage, MessagePageQuery, ReadAnswer, ReportBody, SendBody, SentAnswer, UnreadAnswer,
} from './schemas.js';
import type { Party } from './tables.js';

const tags = ['messages'];
const security = [{ bearer: [] }];

const partyMessageRoutes = (role: Party): FastifyPluginAsyncTypebox => async (app) => {
  const { messages } = app.ctx;
  const Who = role === 'patient' ? 'Patient' : 'Doctor';
  const other = role === 'patient' ? 'doctor' : 'patient';

  app.get('/appointments/:appointmentId/messages', {
    schema: {
      tags, operationId: `list${Who}Messages`, security, params: AppointmentParams, querystring: MessagePageQuery,
      summary: `The appointment’s messages with the ${other}, newest first (cursor pages), and whether the thread is open`,
      response: { 200: MessagePage, ...errors(404) },
    },
  }, async (request) => {
    const { limit = 50, before } = request.query;
    return { success: true, ...(await messages.list(role, authId(request), request.params.appointmentId, limit, before)) };
  });

  app.post('/appointments/:appointmentId/messages', {
    preValidation: collectImages('images', MAX_IMAGES),
    schema: {
      tags, operationId: `send${Who}Message`, security, params: AppointmentParams, body: SendBody, consumes: ['application/json', 'multipart/form-data'],
      multipartFiles: { field: 'images', max: MAX_IMAGES },
      summary: `Send the ${other} a message about the appointment (text up to 2,000 characters, up to ${MAX_IMAGES} pictures)`,
      response: { 201: SentAnswer, ...errors(404, 409, 413, 429, 502) },
    },
  }, async (request, reply) =>
    reply.code(201).send({ success: true, message: await messages.send(role, authId(request), request.params.appointmentId, { text: request.body.text, images: request.uploads }) }));

  app.post('/appointments/:appointmentId/messages/read', {
    schema: { tags, operationId: `mark${Who}MessagesRead`, security, params: AppointmentParams, summary: `Mark the ${other}’s messages in the thread read (they see the read receipt)`, response: { 200: ReadAnswer, ...errors(404) } },
  }, async (request) => ({ success: true, marked: await messages.markRead(role, authId(request), request.params.appointmentId) }));

  app.post('/appointments/:appointmentId/messages/report', {
    schema: { tags, operationId: `report${Who}MessageThread`, security, params: AppointmentParams, body: ReportBody, summary: 'Report the conversation to the admin, who can then read it', response: { 200: Message, ...errors(404) } },
  }, async (request) => {
    await messages.report(role, authId(request), request.params.appointmentId, request.body.reason);
    return { success: true, message: 'Conversation reported' };
  });

  app.get('/messages/unread', {
    schema: { tags, operationId: `count${Who}UnreadMessages`, security, summary: 'Unread messages, in total and per appointment', response: { 200: UnreadAnswer } },
  }, async (request) => ({ success: true, ...(await messages.unread(role, authId(request))) }));
};

export const patientMessageRoutes = partyMessageRoutes('patient');
export const doctorMessageRoutes = partyMessageRoutes('doctor');

export const adminMessageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { messages } = app.ctx;

  app.get('/message-threads', {
    schema: { tags, operationId: 'listMessageThreadCounts', security, querystring: AdminCountsQuery, summary: 'Message counts per appointment thread (never bodies), reported threads first', response: { 200: AdminCounts } },
  }, async (request) => {
    const { page = 1, limit = 20 } = request.query;
    return { success: true, threads: await messages.adminCounts(page, limit) };
  });

  app.get('/message-threads/:appointmentId', {
    schema: {
      tags, operationId: 'readReportedMessageThread', security, params: AppointmentParams, querystring: MessagePageQuery,
      summary: 'The messages of a thread one of its parties reported (403 for any other thread)',
      response: { 200: AdminThread, ...errors(404) },
    },
  }, async (request) => {
    const { limit = 50, before } = request.query;
    return { success: true, ...(await messages.adminThread(request.params.appointmentId, limit, before)) };
  });
};
