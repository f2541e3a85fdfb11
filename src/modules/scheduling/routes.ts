// Scheduling routes: the public free-slot list, a doctor's own schedule (/api/doctor/schedule…)
// and the admin's view of anyone's (/api/admin/doctors/:docId/schedule…).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors, Message } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { DocIdParams, DocTimeOffParams, HoursBody, ScheduleOut, SettingsBody, SlotsOut, SlotsQuery, TimeOffBody, TimeOffCreated, TimeOffParams } from './schemas.js';

const tags = ['scheduling'];
const security = [{ bearer: [] }];

/** Registered under /api/doctor. */
export const doctorScheduleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { scheduling } = app.ctx;

  app.get('/:docId/slots', {
    config: { public: true },
    schema: { tags, operationId: 'listFreeSlots', summary: 'Free slots of a doctor that can be booked now (public)', params: DocIdParams, querystring: SlotsQuery, response: { 200: SlotsOut, ...errors(404) } },
  }, async (request) => {
    const { docId } = request.params;
    const { from, to } = request.query;
    const [slots, groupSessions] = await Promise.all([scheduling.slots(docId, from, to), app.ctx.groupSessions.openFor(docId, from, to)]);
    return { success: true, slots, groupSessions };
  });

  app.get('/schedule', {
    schema: { tags, operationId: 'getDoctorSchedule', summary: 'The doctor’s hours, settings and upcoming time off', security, response: { 200: ScheduleOut, ...errors(404) } },
  }, async (request) => ({ success: true, schedule: await scheduling.schedule(authId(request)) }));

  app.put('/schedule/hours', {
    schema: { tags, operationId: 'setDoctorHours', summary: 'Replace the weekly working hours', security, body: HoursBody, response: { 200: ScheduleOut, ...errors(404) } },
  }, async (request) => ({ success: true, schedule: await scheduling.setHours(authId(request), request.body.workingHours) }));

  app.patch('/schedule/settings', {
    schema: { tags, operationId: 'updateDoctorScheduleSettings', summary: 'Change slot length, interval, buffer, time zone or consultation modes', security, body: SettingsBody, response: { 200: ScheduleOut, ...errors(404) } },
  }, async (request) => ({ success: true, schedule: await scheduling.updateSettings(authId(request), request.body) }));

  app.post('/schedule/time-off', {
    schema: { tags, operationId: 'addDoctorTimeOff', summary: 'Block a date, a range of dates or an interval', security, body: TimeOffBody, response: { 201: TimeOffCreated, ...errors(404, 409) } },
  }, async (request, reply) => {
    const timeOff = await scheduling.addTimeOff(authId(request), request.body);
    return reply.code(201).send({ success: true, message: 'Time off added', timeOff });
  });

  app.delete('/schedule/time-off/:id', {
    schema: { tags, operationId: 'removeDoctorTimeOff', summary: 'Remove one of the doctor’s time-off entries', security, params: TimeOffParams, response: { 200: Message, ...errors(404) } },
  }, async (request) => {
    await scheduling.removeTimeOff(authId(request), request.params.id);
    return { success: true, message: 'Time off removed' };
  });
};

/** Registered under /api/admin. */
export const adminScheduleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { scheduling } = app.ctx;

  app.get('/doctors/:docId/schedule', {
    schema: { tags, operationId: 'getScheduleForDoctor', summary: 'A doctor’s hours, settings and upcoming time off', security, params: DocIdParams, response: { 200: ScheduleOut, ...errors(404) } },
  }, async (request) => ({ success: true, schedule: await scheduling.schedule(request.params.docId) }));

  app.put('/doctors/:docId/schedule/hours', {
    schema: { tags, operationId: 'setHoursForDoctor', summary: 'Replace a doctor’s weekly working hours', security, params: DocIdParams, body: HoursBody, response: { 200: ScheduleOut, ...errors(404) } },
  }, async (request) => ({ success: true, schedule: await scheduling.setHours(request.params.docId, request.body.workingHours) }));

  app.patch('/doctors/:docId/schedule/settings', {
    schema: { tags, operationId: 'updateScheduleSettingsForDoctor', summary: 'Change a doctor’s slot length, interval, buffer, time zone or consultation modes', security, params: DocIdParams, body: SettingsBody, response: { 200: ScheduleOut, ...errors(404) } },
  }, async (request) => ({ success: true, schedule: await scheduling.updateSettings(request.params.docId, request.body) }));

  app.post('/doctors/:docId/schedule/time-off', {
    schema: { tags, operationId: 'addTimeOffForDoctor', summary: 'Block time for a doctor', security, params: DocIdParams, body: TimeOffBody, response: { 201: TimeOffCreated, ...errors(404, 409) } },
  }, async (request, reply) => {
    const timeOff = await scheduling.addTimeOff(request.params.docId, request.body);
    return reply.code(201).send({ success: true, message: 'Time off added', timeOff });
  });

  app.delete('/doctors/:docId/schedule/time-off/:id', {
    schema: { tags, operationId: 'removeTimeOffForDoctor', summary: 'Remove a doctor’s time-off entry', security, params: DocTimeOffParams, response: { 200: Message, ...errors(404) } },
  }, async (request) => {
    await scheduling.removeTimeOff(request.params.docId, request.params.id);
    return { success: true, message: 'Time off removed' };
  });
};
