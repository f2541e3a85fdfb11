// Recurring series: the patient's routes under /api/user/series, the doctor's (for one of their
// patients) under /api/doctor/series. Each occurrence is an appointment: it is paid, cancelled and
// rescheduled through the appointment and payment routes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { IdempotencyHeaders, idempotent } from '../idempotency/routes.js';
import type { SeriesView } from './service.js';
import { CancelRestBody, DoctorConfirmBody, DoctorPreviewBody, PatientConfirmBody, PatientPreviewBody, PreviewOut, SeriesCancelled, SeriesGetOut, SeriesOut, SeriesParams } from './schemas.js';

const tags = ['series'];
const security = [{ bearer: [] }];
const PREVIEW = 'Each occurrence (the first date, then every 7 or 14 days) with `free` and, when not, `reason`. Nothing is held: confirm with the dates to book. 400 for a first occurrence in the past or a time no occurrence can be booked at (outside the doctor’s hours, …); 409 for a mode the doctor does not offer.';
const CONFIRM = 'Books the chosen occurrences in one transaction, all or nothing: if one was taken meanwhile the answer is 409 naming the taken dates and nothing is booked. Each occurrence is an appointment with `seriesId`, paid and cancelled on its own.';
const booked = (s: SeriesView) => ({ success: true, message: 'Series Booked', series: s });
const CANCEL = 'Cancels every occurrence not started yet (from `fromDate` on, when given), each under the cancellation policy (refunds as for single cancellations); started, completed and cancelled occurrences stay as they are. 409 when nothing is left to cancel.';

export const patientSeriesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { series } = app.ctx;

  app.post('/series/preview', {
    schema: { tags, operationId: 'previewSeries', summary: 'Which occurrences of a recurring series with a doctor are free', description: PREVIEW, security, body: PatientPreviewBody, response: { 200: PreviewOut, ...errors(404, 409) } },
  }, async (request) => {
    const { docId, ...req } = request.body;
    return { success: true, occurrences: await series.preview(authId(request), docId, req) };
  });

  app.post('/series', {
    schema: { tags, operationId: 'bookSeries', summary: 'Book the chosen occurrences of a recurring series', description: CONFIRM, security, headers: IdempotencyHeaders, body: PatientConfirmBody, response: { 201: SeriesOut, ...errors(404, 409, 422) } },
  }, async (request, reply) => {
    const { docId, ...req } = request.body;
    // with an Idempotency-Key the answer commits with the series: a retry after a lost answer gets it
    // again instead of a 409 naming the patient's own new appointments
    return idempotent(request, reply, { role: 'patient', operation: 'book-series', statusCode: 201 }, async (claim) =>
      booked(await series.confirm(authId(request), docId, req, { inTransaction: claim && ((tx, view) => claim.complete(201, booked(view), tx)) })));
  });

  app.get('/series/:id', {
    schema: { tags, operationId: 'getPatientSeries', summary: 'One of the patient’s series with its occurrences', description: 'Another patient’s series answers 404.', security, params: SeriesParams, response: { 200: SeriesGetOut, ...errors(404) } },
  }, async (request) => ({ success: true, series: await series.get(request.params.id, { actor: 'patient', patientId: authId(request) }) }));

  app.post('/series/:id/cancel', {
    schema: { tags, operationId: 'cancelSeriesRestAsPatient', summary: 'Cancel the rest of one of the patient’s series', description: CANCEL, security, params: SeriesParams, body: CancelRestBody, response: { 200: SeriesCancelled, ...errors(404, 409) } },
  }, async (request) => {
    const result = await series.cancelRest(request.params.id, { actor: 'patient', patientId: authId(request) }, request.body ?? {});
    return { success: true, message: 'Series Cancelled', ...result };
  });
};

export const doctorSeriesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { series } = app.ctx;

  app.post('/series/preview', {
    schema: {
      tags, operationId: 'previewSeriesForPatient', summary: 'Which occurrences of a series with you are free, for one of your patients',
      description: `${PREVIEW} The patient must have booked with you before (404 otherwise).`, security, body: DoctorPreviewBody, response: { 200: PreviewOut, ...errors(404, 409) },
    },
  }, async (request) => {
    const { userId, ...req } = request.body;
    return { success: true, occurrences: await series.previewForDoctor(authId(request), userId, req) };
  });

  app.post('/series', {
    schema: {
      tags, operationId: 'bookSeriesForPatient', summary: 'Book a recurring series with you for one of your patients',
      description: `${CONFIRM} The patient must have booked with you before (404 otherwise).`, security, headers: IdempotencyHeaders, body: DoctorConfirmBody, response: { 201: SeriesOut, ...errors(404, 409, 422) },
    },
  }, async (request, reply) => {
    const { userId, ...req } = request.body;
    return idempotent(request, reply, { role: 'doctor', operation: 'book-series', statusCode: 201 }, async (claim) =>
      booked(await series.confirmForDoctor(authId(request), userId, req, { inTransaction: claim && ((tx, view) => claim.complete(201, booked(view), tx)) })));
  });

  app.get('/series/:id', {
    schema: { tags, operationId: 'getDoctorSeries', summary: 'A series with you and its occurrences', description: 'Another doctor’s series answers 404.', security, params: SeriesParams, response: { 200: SeriesGetOut, ...errors(404) } },
  }, async (request) => ({ success: true, series: await series.get(request.params.id, { actor: 'doctor', doctorId: authId(request) }) }));

  app.post('/series/:id/cancel', {
    schema: { tags, operationId: 'cancelSeriesRestAsDoctor', summary: 'Cancel the rest of a series with you', description: `${CANCEL} A doctor’s cancellation refunds paid occurrences in full.`, security, params: SeriesParams, body: CancelRestBody, response: { 200: SeriesCancelled, ...errors(404, 409) } },
  }, async (request) => {
    const result = await series.cancelRest(request.params.id, { actor: 'doctor', doctorId: authId(request) }, request.body ?? {});
    return { success: true, message: 'Series Cancelled', ...result };
  });
};
