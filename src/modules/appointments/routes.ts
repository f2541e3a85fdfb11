// Appointment routes for each role, registered under /api/user, /api/doctor and /api/admin.
// Legacy aliases used by existing Prescripto clients share the same handlers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { aliasDoc, AppointmentIdBody, errors } from '../../lib/schemas.js';
import { IdempotencyHeaders, idempotent } from '../idempotency/routes.js';
import type { AppointmentView } from './view.js';
import { authId } from '../auth/guards.js';
import { AdminDash, AppointmentList, AppointmentListQuery, AppointmentMessage, AppointmentPageOut, BookBody, DoctorDash, RescheduleBody } from './schemas.js';

const tags = ['appointments'];
const security = [{ bearer: [] }];
const cancelUrls = ['/appointment-cancel', '/cancel-appointment'];

export const patientAppointmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { appointments, appointmentQueries, appointmentLifecycle } = app.ctx;

  const booked = (appointment: AppointmentView) => ({ success: true, message: 'Appointment Booked', appointment });
  app.post('/book-appointment', {
    schema: {
      tags, operationId: 'bookAppointment', summary: 'Book a slot with a doctor', security, headers: IdempotencyHeaders, body: BookBody,
      response: { 201: AppointmentMessage, ...errors(404, 409, 422) },
    },
  }, async (request, reply) =>
    // with an Idempotency-Key the answer is stored in the booking's own transaction: a booking
    // whose answer was lost is found again by the retry, never refused as someone else's slot
    idempotent(request, reply, { role: 'patient', operation: 'book-appointment', statusCode: 201 }, async (claim) =>
      booked(await appointments.book(authId(request), request.body, {
        inTransaction: claim && ((tx, view) => claim.complete(201, booked(view), tx)),
      }))));

  app.get('/appointments', {
    schema: { tags, operationId: 'listPatientAppointments', summary: 'The patient’s appointments, newest first (booking order under LEGACY_CLIENTS)', security, response: { 200: AppointmentList } },
  }, async (request) => ({ success: true, appointments: await appointmentQueries.listForPatient(authId(request)) }));

  app.post('/reschedule-appointment', {
    schema: { tags, operationId: 'rescheduleAppointment', summary: 'Move one of the patient’s live appointments to another free slot', security, body: RescheduleBody, response: { 200: AppointmentMessage, ...errors(404, 409) } },
  }, async (request) => {
    const { appointmentId, ...slot } = request.body;
    const appointment = await appointments.reschedule(appointmentId, authId(request), slot);
    return { success: true, message: 'Appointment Rescheduled', appointment };
  });

  app.post('/cancel-appointment', {
    schema: { tags, operationId: 'cancelAppointmentAsPatient', summary: 'Cancel one of the patient’s appointments', security, body: AppointmentIdBody, response: { 200: AppointmentMessage, ...errors(404, 409) } },
  }, async (request) => {
    const appointment = await appointmentLifecycle.cancel(request.body.appointmentId, 'patient', authId(request), request.body.reason);
    return { success: true, message: 'Appointment Cancelled', appointment };
  });
};

export const doctorAppointmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { appointmentQueries, appointmentLifecycle } = app.ctx;

  app.get('/appointments', {
    schema: { tags, operationId: 'listDoctorAppointments', summary: 'The doctor’s appointments, filtered, sorted, optionally paginated (newest booking first)', security, querystring: AppointmentListQuery, response: { 200: AppointmentPageOut } },
  }, async (request) => ({ success: true, ...(await appointmentQueries.searchForDoctor(authId(request), request.query)) }));

  const completeUrls = ['/appointment-complete', '/complete-appointment'];
  for (const url of completeUrls) {
    app.post(url, {
      schema: { tags, ...aliasDoc(completeUrls, url, 'completeAppointment', 'Mark an appointment completed'), security, body: AppointmentIdBody, response: { 200: AppointmentMessage, ...errors(404, 409) } },
    }, async (request) => {
      const appointment = await appointmentLifecycle.complete(request.body.appointmentId, authId(request));
      return { success: true, message: 'Appointment Completed', appointment };
    });
  }

  for (const url of cancelUrls) {
    app.post(url, {
      schema: { tags, ...aliasDoc(cancelUrls, url, 'cancelAppointmentAsDoctor', 'Cancel one of the doctor’s appointments'), security, body: AppointmentIdBody, response: { 200: AppointmentMessage, ...errors(404, 409) } },
    }, async (request) => {
      const appointment = await appointmentLifecycle.cancel(request.body.appointmentId, 'doctor', authId(request), request.body.reason);
      return { success: true, message: 'Appointment Cancelled', appointment };
    });
  }

  app.get('/dashboard', {
    schema: { tags, operationId: 'getDoctorDashboard', summary: 'Earnings, counts and latest bookings', security, response: { 200: DoctorDash } },
  }, async (request) => ({ success: true, dashData: await appointmentQueries.doctorDashboard(authId(request)) }));
};

export const adminAppointmentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { appointmentQueries, appointmentLifecycle } = app.ctx;

  app.get('/appointments', {
    schema: { tags, operationId: 'listAllAppointments', summary: 'All appointments, filtered, sorted, optionally paginated (newest booking first)', security, querystring: AppointmentListQuery, response: { 200: AppointmentPageOut } },
  }, async (request) => ({ success: true, ...(await appointmentQueries.search(request.query)) }));

  for (const url of cancelUrls) {
    app.post(url, {
      schema: { tags, ...aliasDoc(cancelUrls, url, 'cancelAppointmentAsAdmin', 'Cancel any appointment'), security, body: AppointmentIdBody, response: { 200: AppointmentMessage, ...errors(404, 409) } },
    }, async (request) => {
      const appointment = await appointmentLifecycle.cancel(request.body.appointmentId, 'admin', authId(request), request.body.reason);
      return { success: true, message: 'Appointment Cancelled', appointment };
    });
  }

  app.get('/dashboard', {
    schema: { tags, operationId: 'getAdminDashboard', summary: 'Platform counts, revenue and latest bookings', security, response: { 200: AdminDash } },
  }, async () => ({ success: true, dashData: await appointmentQueries.adminDashboard() }));
};
