// FHIR R4 over HTTP at /fhir/R4: metadata, read and search of the directory, patients and
// appointments, Appointment create (a booking), and the SMART Scheduling Links bulk publish.
// Answers are application/fhir+json and refusals OperationOutcome (this plugin's own error and
// not-found handlers). The routes are left out of /openapi.json: FHIR clients read the
// CapabilityStatement at /fhir/R4/metadata instead (docs/fhir.md).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError, badRequest, notFound, unauthorized } from '../../lib/errors.js';
import { parseInstant } from '../../lib/time.js';
import { isDatabaseDown, validationMessage } from '../../plugins/errors.js';
import { authenticate } from '../auth/guards.js';
import { operationOutcome } from './bundle.js';
import { capabilityStatement } from './capability.js';
import { FHIR_JSON } from './mapping/common.js';
import { BULK_TYPES, RESOURCE_TYPES, type BulkType, type Caller, type ResourceType } from './service.js';

const hide = true; // see the top of this file

const TypeParams = Type.Object({ type: Type.String({ pattern: '^[A-Z][A-Za-z]{1,40}$' }) });
const ReadParams = Type.Object({ type: Type.String({ pattern: '^[A-Z][A-Za-z]{1,40}$' }), id: Type.String({ pattern: '^[A-Za-z0-9\\-.]{1,64}$' }) });
const SearchValue = Type.Union([Type.String({ maxLength: 300 }), Type.Array(Type.String({ maxLength: 300 }), { maxItems: 6 })]);
// Every parameter is read by the search code, which refuses the ones it does not know (400).
const SearchQuery = Type.Object({}, { additionalProperties: SearchValue, maxProperties: 12 });
const SinceQuery = Type.Object({ _since: Type.Optional(Type.String({ maxLength: 40 })) }, { additionalProperties: false });
const BulkParams = Type.Object({ file: Type.String({ pattern: '^[A-Za-z]+\\.ndjson$' }) });
const Reference = Type.Object({ reference: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: true });
const AppointmentBody = Type.Object(
  {
    resourceType: Type.Literal('Appointment'),
    slot: Type.Array(Reference, { minItems: 1, maxItems: 1, description: 'the free Slot to book, as Slot/<id> from a Slot search' }),
    participant: Type.Optional(Type.Array(Type.Object({ actor: Type.Optional(Type.Object({ reference: Type.Optional(Type.String({ maxLength: 300 })) }, { additionalProperties: true })) }, { additionalProperties: true }), { maxItems: 10 })),
  },
  // the rest of an Appointment a client sends (status, start, end…) is what the slot already says
  { additionalProperties: true },
);

function resourceType(raw: string): ResourceType {
  const found = RESOURCE_TYPES.find((t) => t === raw);
  if (!found) throw notFound(`Resource type ${raw} is not served here (see /fhir/R4/metadata)`);
  return found;
}

function since(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const at = parseInstant(raw);
  if (!at) throw badRequest('_since must be an instant like 2026-01-31T10:00:00Z');
  return at;
}

/** The caller of a FHIR request: anonymous without Authorization, otherwise the API's bearer token (any role). */
async function caller(request: FastifyRequest): Promise<Caller | undefined> {
  const authz = request.headers.authorization;
  if (!authz) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(authz);
  if (!m) throw unauthorized('Authorization must be Bearer <token>');
  const { tokens } = request.server.ctx;
  const claims = await tokens.verify(m[1]);
  if ('error' in claims) throw unauthorized(claims.error === 'expired' ? 'Session expired, please login again' : 'Invalid token, please login again');
  // the API's own guard, with the role the token carries: revocation, a doctor's temporary password
  const checked = await authenticate(tokens, request, claims.role);
  return { role: checked.role, id: checked.id };
}

function sendFhir(reply: FastifyReply, body: unknown, status = 200) {
  return reply.code(status).type(FHIR_JSON).serializer(JSON.stringify).send(body);
}

export const fhirRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { fhir, clock } = app.ctx;

  // FHIR clients send their bodies as application/fhir+json
  app.addContentTypeParser(FHIR_JSON, { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  app.setNotFoundHandler((request, reply) => {
    request.refused = true;
    return sendFhir(reply, operationOutcome(404, `No FHIR route ${request.method} ${request.url.split('?')[0]}`), 404);
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    request.refused = true;
    if (error instanceof AppError) {
      reply.headers(error.headers);
      return sendFhir(reply, operationOutcome(error.statusCode, error.message), error.statusCode);
    }
    const fe = error as FastifyError & { validationContext?: string; validation?: unknown };
    if (fe.validation) return sendFhir(reply, operationOutcome(400, validationMessage(fe.validation as Parameters<typeof validationMessage>[0], fe.validationContext)), 400);
    if (isDatabaseDown(error)) {
      request.log.error({ err: error }, 'database unavailable');
      reply.header('retry-after', '5');
      return sendFhir(reply, operationOutcome(503, 'Service temporarily unavailable, please retry shortly'), 503);
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const message = /JSON/i.test(fe.message) ? 'The request body is not valid JSON' : fe.message || 'Invalid request';
      return sendFhir(reply, operationOutcome(fe.statusCode, message), fe.statusCode);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendFhir(reply, operationOutcome(500, 'Something went wrong'), 500);
  });

  app.get('/metadata', { schema: { hide, operationId: 'fhirMetadata', description: 'The CapabilityStatement of the FHIR endpoint.' } }, async (_request, reply) =>
    sendFhir(reply, capabilityStatement(fhir.base, clock.now())),
  );

  app.get('/$bulk-publish', {
    schema: { hide, operationId: 'fhirBulkPublish', description: 'SMART Scheduling Links manifest: NDJSON files of Location, Schedule and free Slot.', querystring: SinceQuery },
  }, async (request, reply) => {
    void reply.header('cache-control', 'no-cache');
    return reply.type('application/json').serializer(JSON.stringify).send(fhir.manifest(since(request.query._since)));
  });

  app.get('/$bulk-publish/:file', {
    schema: { hide, operationId: 'fhirBulkFile', description: 'One NDJSON file of the bulk publish: one resource a line.', params: BulkParams, querystring: SinceQuery },
  }, async (request, reply) => {
    const type = BULK_TYPES.find((t) => `${t}.ndjson` === request.params.file) as BulkType | undefined;
    if (!type) throw notFound(`No bulk file ${request.params.file}: the manifest lists Location, Schedule and Slot`);
    const resources = await fhir.bulkFile(type, since(request.query._since));
    void reply.header('cache-control', 'no-cache');
    return reply.type('application/fhir+ndjson').send(resources.map((r) => JSON.stringify(r)).join('\n') + (resources.length ? '\n' : ''));
  });

  app.get('/:type', {
    schema: { hide, operationId: 'fhirSearch', description: 'Search a resource type: a searchset Bundle with paging links.', params: TypeParams, querystring: SearchQuery },
  }, async (request, reply) => {
    const type = resourceType(request.params.type);
    return sendFhir(reply, await fhir.search(type, request.query as Record<string, string | string[]>, await caller(request)));
  });

  app.get('/:type/:id', {
    schema: { hide, operationId: 'fhirRead', description: 'Read one resource by its id.', params: ReadParams },
  }, async (request, reply) => {
    const type = resourceType(request.params.type);
    return sendFhir(reply, await fhir.read(type, request.params.id, await caller(request)));
  });

  app.post('/Appointment', {
    schema: { hide, operationId: 'fhirCreateAppointment', description: 'A patient books a free Slot: a normal booking with every rule; 409 when the slot is taken.', body: AppointmentBody },
  }, async (request, reply) => {
    const body = request.body;
    const patientRef = body.participant?.map((p) => p.actor?.reference).find((r) => r?.includes('Patient/'));
    const booked = await fhir.book(await caller(request), { slotReference: body.slot[0].reference, patientReference: patientRef });
    void reply.header('location', `${fhir.base}/Appointment/${booked.id}`);
    return sendFhir(reply, booked, 201);
  });
};
