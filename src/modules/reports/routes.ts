// Report routes: /api/admin/reports/* (platform analytics) and /api/doctor/reports/* (the calling
// doctor's own earnings and patients). `?format=csv` streams the same rows as RFC 4180 CSV.
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { errors, IdString } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { csvLines } from './csv.js';
import { RangeQuery, ReportResponse, RevenueQuery } from './schemas.js';
import { columnsOf, type RangeInput, type Report, type ReportService } from './service.js';

const tags = ['reports'];
const security = [{ bearer: [] }];
const response = { 200: ReportResponse };
/** JSON by default, CSV with `format=csv` */
const produces = ['application/json', 'text/csv'];

/** JSON envelope, or a streamed CSV download of the same rows. */
function send(reply: FastifyReply, report: Report, format: string | undefined) {
  if (format !== 'csv') return reply.send({ success: true, ...report });
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${report.report}_${report.from}_${report.to}.csv"`)
    .send(Readable.from(csvLines(columnsOf(report), report.rows)));
}

type RangeRoute = (service: ReportService, query: RangeInput) => Promise<Report>;

const adminReportDefs: Record<string, { operationId: string; summary: string; run: RangeRoute }> = {
  '/appointments': { operationId: 'reportAppointments', summary: 'Appointments per day/week/month by status (bucketed by appointment start)', run: (s, q) => s.appointments(q) },
  '/utilization': { operationId: 'reportUtilization', summary: 'Per doctor: published slots vs live bookings over the days (each doctor’s own zone)', run: (s, q) => s.utilization(q) },
  '/specialities': { operationId: 'reportSpecialities', summary: 'Doctors and live appointments per speciality, with each one’s share', run: (s, q) => s.specialities(q) },
  '/registrations': { operationId: 'reportRegistrations', summary: 'New patients and doctors per period', run: (s, q) => s.registrations(q) },
  '/cancellations': { operationId: 'reportCancellations', summary: 'Cancellation and no-show counts and rates per period', run: (s, q) => s.cancellations(q) },
};

function adminReports(reports: ReportService): FastifyPluginAsyncTypebox {
  return async (app) => {
    for (const [url, def] of Object.entries(adminReportDefs)) {
      app.get(url, { schema: { tags, operationId: def.operationId, summary: def.summary, security, querystring: RangeQuery, produces, response } }, async (request, reply) =>
        send(reply, await def.run(reports, request.query), request.query.format),
      );
    }
    app.get('/revenue', {
      schema: { tags, operationId: 'reportRevenue', summary: 'Money received (paid minus processed refunds) by period, doctor or speciality', security, querystring: RevenueQuery, produces, response },
    }, async (request, reply) => send(reply, await reports.revenue(request.query, request.query.groupBy), request.query.format));
  };
}

function doctorReports(reports: ReportService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/earnings', {
      schema: { tags, operationId: 'reportDoctorEarnings', summary: 'The doctor’s confirmed and completed appointments and fees per week or month (default month)', security, querystring: RangeQuery, produces, response },
    }, async (request, reply) => send(reply, await reports.doctorEarnings(authId(request), request.query), request.query.format));
    app.get('/patients', {
      schema: { tags, operationId: 'reportDoctorPatients', summary: 'The doctor’s patients in the range, with visit counts and amounts', security, querystring: RangeQuery, produces, response },
    }, async (request, reply) => send(reply, await reports.doctorPatients(authId(request), request.query), request.query.format));
    app.get('/patients/:patientId', {
      schema: {
        tags, operationId: 'reportDoctorPatientHistory', summary: 'One patient’s appointments with the calling doctor', security, querystring: RangeQuery,
        params: Type.Object({ patientId: IdString('patient id') }, { additionalProperties: false }), produces, response: { ...response, ...errors(404) },
      },
    }, async (request, reply) => send(reply, await reports.patientHistory(authId(request), request.params.patientId, request.query), request.query.format));
  };
}

/** /api/admin/reports/* */
export const adminReportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(adminReports(app.ctx.reports), { prefix: '/reports' });
};

/** /api/doctor/reports/* */
export const doctorReportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(doctorReports(app.ctx.reports), { prefix: '/reports' });
};
