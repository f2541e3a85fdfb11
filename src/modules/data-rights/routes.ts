// Patients' data rights over HTTP: the patient's own export and deletion under /api/user, the same
// on a patient's request (and a patient lookup to find them) under /api/admin. Every call is in the
// audit log (`config.audit`), reads included.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { errors, IdString, Message, Password } from '../../lib/schemas.js';
import { authId } from '../auth/guards.js';
import { UserData } from '../patients/schemas.js';
import type { PatientExport } from './service.js';
import type { Bundle } from '@medplum/fhirtypes';

const Rows = Type.Array(Type.Object({}, { additionalProperties: true }));

const ExportResponse = Type.Object({
  format: Type.String({ description: 'prescripto-patient-export/1' }),
  exportedAt: Type.String(),
  profile: Type.Intersect([UserData, Type.Object({ createdAt: Type.String(), twoFactorEnabled: Type.Boolean() })]),
  appointments: Rows,
  payments: Type.Object({ orders: Rows, refunds: Rows }),
  notifications: Rows,
  emails: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'emails sent or queued to the patient' }),
  messages: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'messages of the threads of the patient’s appointments, both sides' }),
  reviews: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'the patient’s reviews and the doctors’ replies' }),
  waitlist: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'the patient’s waitlist entries, each with the times offered' }),
});

const DeleteBody = Type.Object({ password: Password }, { additionalProperties: false });

const PatientParams = Type.Object({ id: IdString('patient id') });

function sendFhirExport(reply: FastifyReply, bundle: Bundle, id: string) {
  void reply.header('content-disposition', `attachment; filename="prescripto-data-${id}.fhir.json"`);
  void reply.header('cache-control', 'no-store');
  return reply.type('application/fhir+json').send(JSON.stringify(bundle));
}

function sendExport(reply: FastifyReply, data: PatientExport, id: string) {
  void reply.header('content-disposition', `attachment; filename="prescripto-data-${id}.json"`);
  void reply.header('cache-control', 'no-store');
  return data;
}

export const patientDataRightsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { dataRights } = app.ctx;
  const tags = ['patients'];

  app.get('/data-export', {
    config: { audit: true },
    schema: {
      tags,
      operationId: 'exportPatientData',
      summary: 'Download all my data as JSON',
      description: 'Everything held about the logged-in patient: profile, appointments, payments and refunds, in-app notifications and emails. Sent as a file download.',
      security: [{ bearer: [] }],
      response: { 200: ExportResponse, ...errors(401, 403, 404) },
    },
  }, async (request, reply) => sendExport(reply, await dataRights.exportData(authId(request)), authId(request)));

  app.get('/data-export/fhir', {
    config: { audit: true },
    schema: {
      tags,
      operationId: 'exportPatientDataFhir',
      summary: 'Download my data as a FHIR R4 Bundle',
      description:
        'The logged-in patient’s data as a FHIR R4 Bundle of type collection: Patient, Appointments, an Invoice per payment order, a PaymentReconciliation per refund and a Communication per message (docs/fhir.md). Sent as a file download.',
      security: [{ bearer: [] }],
      produces: ['application/fhir+json'],
      response: errors(401, 403, 404),
    },
  }, async (request, reply) => sendFhirExport(reply, await app.ctx.fhir.exportBundle(authId(request)), authId(request)));

  app.post('/delete-account', {
    config: { audit: true },
    schema: {
      tags,
      operationId: 'deletePatientAccount',
      summary: 'Delete my account (password again)',
      description:
        'Erases the logged-in patient’s personal data and ends every session. Appointment and payment records stay, tied by ids only; the doctor sees “Deleted patient”. Refused with 409 while an upcoming appointment or a refund in progress exists.',
      security: [{ bearer: [] }],
      body: DeleteBody,
      response: { 200: Message, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    await dataRights.deleteOwnAccount(authId(request), request.body.password);
    return { success: true, message: 'Account deleted' };
  });
};

export const adminDataRightsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { dataRights, patients } = app.ctx;
  const tags = ['admin'];
  const security = [{ bearer: [] }];

  app.get('/patients', {
    schema: {
      tags,
      operationId: 'adminSearchPatients',
      summary: 'Find patients by part of their email or name',
      description: 'The admin’s patient lookup (at most 20 accounts, deleted ones never), to act on a patient’s data-rights request.',
      security,
      querystring: Type.Object({ q: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ success: Type.Boolean(), patients: Type.Array(UserData) }), ...errors(400, 401, 403) },
    },
  }, async (request) => ({ success: true, patients: await patients.search(request.query.q) }));

  app.get('/patients/:id/data-export', {
    config: { audit: true },
    schema: {
      tags,
      operationId: 'adminExportPatientData',
      summary: 'Download all of a patient’s data as JSON',
      description: 'The same export the patient downloads, for a request the patient made to the admin. Recorded in the audit log.',
      security,
      params: PatientParams,
      response: { 200: ExportResponse, ...errors(401, 403, 404) },
    },
  }, async (request, reply) => sendExport(reply, await dataRights.exportData(request.params.id), request.params.id));

  app.get('/patients/:id/data-export/fhir', {
    config: { audit: true },
    schema: {
      tags,
      operationId: 'adminExportPatientDataFhir',
      summary: 'Download a patient’s data as a FHIR R4 Bundle',
      description: 'The FHIR Bundle the patient downloads, for a request the patient made to the admin. Recorded in the audit log.',
      security,
      params: PatientParams,
      produces: ['application/fhir+json'],
      response: errors(401, 403, 404),
    },
  }, async (request, reply) => sendFhirExport(reply, await app.ctx.fhir.exportBundle(request.params.id), request.params.id));

  app.delete('/patients/:id', {
    config: { audit: true },
    schema: {
      tags,
      operationId: 'adminDeletePatient',
      summary: 'Delete a patient’s account',
      description:
        'Erases the patient’s personal data and ends their sessions, on the patient’s request; records stay tied by ids only. Refused with 409 while an upcoming appointment or a refund in progress exists.',
      security,
      params: PatientParams,
      response: { 200: Message, ...errors(401, 403, 404, 409) },
    },
  }, async (request) => {
    await dataRights.erase(request.params.id);
    return { success: true, message: 'Account deleted' };
  });
};
