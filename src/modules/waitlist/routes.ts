// Waitlists: a patient joins, lists, leaves, accepts or declines offers (/api/user/waitlist); the
// doctor (/api/doctor/waitlist) and the admin (/api/admin/waitlist) see waiting patients per day.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { AcceptQuery, Accepted, EntryIdParams, EntryList, EntryOut, JoinBody, SummaryQuery, WaitlistDays } from './schemas.js';

const tags = ['waitlist'];
const security = [{ bearer: [] }];

export const patientWaitlistRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { waitlist } = app.ctx;

  app.post('/waitlist', {
    schema: {
      tags, operationId: 'joinWaitlist', summary: 'Join a doctor’s waitlist for a date or a range of up to 14 days', security, body: JoinBody,
      description: 'When a time frees in the window (and part of the day), the earliest waiting patient is offered it and it is held for them WAITLIST_OFFER_MINUTES. A free time already in the window is offered at once. 409 when the patient already waits for some of these dates with this doctor, or holds WAITLIST_MAX_ENTRIES entries.',
      response: { 201: EntryOut, ...errors(404, 409) },
    },
  }, async (request, reply) => {
    const entry = await waitlist.join(authId(request), request.body);
    return reply.code(201).send({ success: true, message: 'Joined the waitlist', entry });
  });

  app.get('/waitlist', {
    schema: { tags, operationId: 'listWaitlistEntries', summary: 'The patient’s waitlist entries, newest first, each with its open or last offer', security, response: { 200: EntryList } },
  }, async (request) => ({ success: true, entries: await waitlist.list(authId(request)) }));

  app.delete('/waitlist/:id', {
    schema: {
      tags, operationId: 'leaveWaitlist', summary: 'Leave a waitlist', security, params: EntryIdParams,
      description: 'An open offer on the entry is withdrawn and its time passes to the next patient. 404 for an entry that is not the patient’s; 409 when it is no longer waiting.',
      response: { 200: EntryOut, ...errors(404, 409) },
    },
  }, async (request) => ({ success: true, message: 'Left the waitlist', entry: await waitlist.leave(authId(request), request.params.id) }));

  app.post('/waitlist/:id/accept', {
    schema: {
      tags, operationId: 'acceptWaitlistOffer', summary: 'Accept the time offered on a waitlist entry: book it (no body; `?mode=video` for a video consultation)', security, params: EntryIdParams, querystring: AcceptQuery,
      description: 'A normal booking with every booking rule (answers as `book-appointment`). 404 for an entry that is not the patient’s, 409 when nothing is offered or the offer was answered, 410 when the offer has lapsed.',
      response: { 201: Accepted, ...errors(404, 409, 410, 422) },
    },
  }, async (request, reply) => {
    const result = await waitlist.accept(authId(request), request.params.id, request.query.mode);
    return reply.code(201).send({ success: true, message: 'Appointment Booked', ...result });
  });

  app.post('/waitlist/:id/decline', {
    schema: {
      tags, operationId: 'declineWaitlistOffer', summary: 'Decline the time offered on a waitlist entry', security, params: EntryIdParams,
      description: 'The time passes to the next patient; the entry keeps waiting (that time is not offered to it again). 410 when the offer has lapsed.',
      response: { 200: EntryOut, ...errors(404, 409, 410) },
    },
  }, async (request) => ({ success: true, message: 'Offer declined', entry: await waitlist.decline(authId(request), request.params.id) }));
};

export const doctorWaitlistRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { waitlist } = app.ctx;

  app.get('/waitlist', {
    schema: { tags, operationId: 'getDoctorWaitlist', summary: 'How many patients wait for the doctor, per day', security, response: { 200: WaitlistDays } },
  }, async (request) => ({ success: true, days: await waitlist.doctorSummary(authId(request)) }));
};

export const adminWaitlistRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { waitlist } = app.ctx;

  app.get('/waitlist', {
    schema: {
      tags, operationId: 'getAdminWaitlist', summary: 'How many patients wait, per day, for every doctor or one', security, querystring: SummaryQuery,
      description: 'Days in the platform’s time zone (TIMEZONE) for all doctors; in the doctor’s zone with `docId`.',
      response: { 200: WaitlistDays, ...errors(404) },
    },
  }, async (request) => ({ success: true, days: await waitlist.adminSummary(request.query.docId) }));
};
