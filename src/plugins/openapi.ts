// Turns each route's declaration into its OpenAPI operation. Routes declare what is theirs
// (operationId, summary, tag, body, success answers, the refusals their own rules produce); the
// refusals that come from the route's kind are added here from the same declaration, so that no
// route lists a status it cannot answer and none forgets one it can:
//   400  the route validates input (body, query, path) or parses a body
//   401, 403  the route declares `security` (a guard: no or bad token 401, wrong role 403)
//   413, 415  the route takes a body (body limit, unsupported content type or image)
//   429  rate limits apply (every route that does not opt out with `config.rateLimit: false`)
//   503  the route needs the database, which may be down
// It also writes the description (what the route does, how to authenticate, rate limits), the
// per-role legacy token header beside Bearer, the multipart form with its `image` file, and the
// content type of answers that are not JSON (`produces`).
import type { FastifySchema, RouteOptions } from 'fastify';
import { ErrorEnvelope } from '../lib/schemas.js';
import { IMAGE_FIELD } from '../modules/media/multipart.js';
import { isAuthRateLimited } from './security.js';

type Role = 'patient' | 'doctor' | 'admin';
type JsonSchema = Record<string, unknown>;

interface RouteSchema {
  hide?: boolean;
  summary?: string;
  description?: string;
  operationId?: string;
  deprecated?: boolean;
  tags?: readonly string[];
  security?: readonly { [name: string]: readonly string[] }[];
  consumes?: readonly string[];
  produces?: readonly string[];
  /** a multipart form taking several pictures in one field (messages) instead of one `image` */
  multipartFiles?: { field: string; max: number };
  body?: JsonSchema;
  querystring?: JsonSchema;
  params?: JsonSchema;
  response?: Record<string, JsonSchema>;
  [key: string]: unknown;
}

/** The legacy per-role token headers of existing Prescripto clients (auth/guards.ts), as security schemes. */
export const LEGACY_TOKEN_SCHEMES: Record<Role, { scheme: string; header: string }> = {
  patient: { scheme: 'patientToken', header: 'token' },
  doctor: { scheme: 'doctorToken', header: 'dtoken' },
  admin: { scheme: 'adminToken', header: 'atoken' },
};

type SecurityScheme =
  | { type: 'http'; scheme: 'bearer'; bearerFormat: string; description: string }
  | { type: 'apiKey'; in: 'header'; name: string; description: string };

export const securitySchemes: Record<string, SecurityScheme> = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The `token` from a login, as `Authorization: Bearer <token>`.' },
  ...Object.fromEntries(
    Object.entries(LEGACY_TOKEN_SCHEMES).map(([role, s]): [string, SecurityScheme] => [
      s.scheme,
      { type: 'apiKey', in: 'header', name: s.header, description: `Legacy header of old ${role} clients: the same token, sent as \`${s.header}: <token>\`.` },
    ]),
  ),
};

/** Routes that answer without touching the database, so never 503 for it. */
const NO_DATABASE = new Set(['GET /', 'GET /health', 'GET /metrics']);

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request: a field is missing, has the wrong type or breaks a rule (the message names it)',
  401: 'No valid token: missing, expired, revoked or wrong credentials',
  402: 'The payment is not completed',
  403: 'The token is valid but this account may not do this (another role, or not its own record)',
  404: 'The record does not exist',
  409: 'The request conflicts with the current state (slot taken, already paid or cancelled, …)',
  413: 'The body or the uploaded file is too large',
  415: 'Unsupported content type, or the uploaded file is not a JPEG, PNG or WebP picture',
  429: 'Too many requests: retry after the seconds in `Retry-After`',
  502: 'An outside service (payment gateway, image store) failed; retry later',
  503: 'Temporarily unavailable (database down, or the feature is not configured); `Retry-After` when it should pass',
};

const SUCCESS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 304: 'Not modified: the cached copy is current' };

function roleOf(url: string): Role | undefined {
  const prefix = /^\/api\/(user|doctor|admin)\//.exec(url)?.[1];
  return prefix === 'user' ? 'patient' : (prefix as Role | undefined);
}

const hasBody = (method: string) => method === 'POST' || method === 'PUT' || method === 'PATCH';

function withText(schema: JsonSchema, text: string): JsonSchema {
  return schema.description ? schema : { ...schema, description: text };
}

/** What a non-JSON answer carries, by media type. */
function mediaSchema(type: string): JsonSchema {
  if (type === 'application/pdf') return { type: 'string', format: 'binary' };
  if (type === 'application/fhir+json') return { type: 'object', description: 'a FHIR R4 resource (docs/fhir.md)' };
  return { type: 'string' };
}

export interface TransformInput {
  schema: FastifySchema;
  url: string;
  route: Pick<RouteOptions, 'method' | 'config'>;
}

/** @fastify/swagger's `transform`: the OpenAPI view of one route (the route itself is not changed). */
export function describeRoute({ schema: declared, url, route }: TransformInput): { schema: FastifySchema; url: string } {
  // the route schema plus the OpenAPI fields @fastify/swagger reads from it (summary, tags, …)
  const schema = declared as RouteSchema | undefined;
  if (!schema || schema.hide) return { schema: declared, url };
  const method = (Array.isArray(route.method) ? route.method[0] : route.method).toUpperCase();
  const role = roleOf(url);
  const secured = (schema.security?.length ?? 0) > 0;
  const rateLimited = (route.config as { rateLimit?: unknown } | undefined)?.rateLimit !== false;
  const authLimited = isAuthRateLimited(route.config);
  const out: RouteSchema = { ...schema };

  // Answers: successes described, then the refusals of the route's kind.
  const responses: Record<string, JsonSchema> = {};
  for (const [code, s] of Object.entries(schema.response ?? {})) {
    const n = Number(code);
    responses[code] = withText(s, n >= 400 ? (ERROR_TEXT[n] ?? 'Refused') : (SUCCESS_TEXT[n] ?? 'OK'));
  }
  const add = (code: number) => {
    if (!responses[code]) responses[code] = { ...ErrorEnvelope, description: ERROR_TEXT[code] };
  };
  if (schema.body || schema.querystring || schema.params || hasBody(method)) add(400);
  if (secured) {
    add(401);
    if (role) add(403); // the ops token has no roles
  }
  if (hasBody(method)) {
    add(413);
    // a route that reads any content type as bytes (`consumes: ['*/*']`) never refuses one
    if (!schema.consumes?.includes('*/*')) add(415);
  }
  if (!schema.body) delete out.consumes;
  if (rateLimited) add(429);
  if (!NO_DATABASE.has(`${method} ${url}`)) add(503);

  // Answers that are not JSON: `produces` lists the success's media types.
  if (schema.produces?.length) {
    const json = responses[200];
    const content: Record<string, { schema: JsonSchema }> = {};
    for (const type of schema.produces) content[type] = { schema: type === 'application/json' && json ? json : mediaSchema(type) };
    responses[200] = { description: (json?.description as string | undefined) ?? SUCCESS_TEXT[200], content };
    delete out.produces;
  }
  out.response = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b)));

  // Bearer, or the role's legacy header.
  if (secured && role) out.security = [{ bearer: [] }, { [LEGACY_TOKEN_SCHEMES[role].scheme]: [] }];

  // Multipart forms: the text fields of the JSON body plus the picture.
  if (schema.body && schema.consumes?.includes('multipart/form-data')) {
    const body = schema.body;
    const files = schema.multipartFiles;
    const imageRequired = !files && !schema.consumes.includes('application/json');
    const picture = { type: 'string', format: 'binary', description: 'JPEG, PNG or WebP picture (UPLOAD_MAX_BYTES, default 5 MB)' };
    const form = {
      type: 'object',
      properties: {
        ...(body.properties as JsonSchema),
        ...(files
          ? { [files.field]: { type: 'array', items: picture, maxItems: files.max, description: `up to ${files.max} pictures (UPLOAD_MAX_BYTES each)` } }
          : { [IMAGE_FIELD]: picture }),
      },
      required: [...((body.required as string[] | undefined) ?? []), ...(imageRequired ? [IMAGE_FIELD] : [])],
      additionalProperties: false,
    };
    out.body = {
      content: Object.fromEntries(schema.consumes.map((type) => [type, { schema: type === 'multipart/form-data' ? form : body }])),
    };
    delete out.consumes;
    delete out.multipartFiles;
  }

  const lines = [schema.description ?? `${schema.summary ?? ''}.`];
  if (secured && role) {
    const legacy = LEGACY_TOKEN_SCHEMES[role].header;
    lines.push(`Needs ${role === 'admin' ? 'an' : 'a'} ${role} token: \`Authorization: Bearer <token>\`, or the legacy \`${legacy}: <token>\` header.`);
  } else if (secured) {
    lines.push('Needs `Authorization: Bearer <OPS_TOKEN>`.');
  } else {
    lines.push('Public: no token needed.');
  }
  if (authLimited) lines.push('Rate limited per IP and per account (AUTH_RATE_LIMIT_*): too many attempts answer 429 with `Retry-After`.');
  out.description = lines.join('\n\n');
  return { schema: out as FastifySchema, url };
}
