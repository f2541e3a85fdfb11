// Request validation: which values are converted to the schema's types, per part of the request.
// - JSON bodies are validated as sent. `{"fees": null}`, `{"available": null}` or `{"name": 42}`
//   is a 400, never coerced (null would become fee 0 or "not available", 42 the name "42").
// - Querystrings, path parameters and headers are text by nature: coerced (`?page=2` → 2).
// - Multipart form fields are text too (media/multipart.ts puts them in `request.body` before
//   validation): a multipart body is validated with coercion, so a form's `fees=500` is 500.
// Every part, whatever its schema, is first searched for text PostgreSQL cannot store (NUL, and
// UTF-16 surrogates without their pair): such a request is a 400 naming the field (`textGuard`),
// before anything else looks at it. One check here covers every route, JSON or form, body,
// querystring or path, including routes added later.
import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';
import { CALENDAR_DATE, DAY_OR_INSTANT, INSTANT, SLOT_DATE } from '../lib/schemas.js';
import { parseCalendarDate, parseDayOrInstant, parseInstant, parseSlotDate } from '../lib/time.js';

/**
 * The date formats of lib/schemas.ts (`CalendarDate`, `Instant`, `SlotDate`): one rule, in lib/time.ts,
 * for every endpoint that takes a date, checked before any handler runs.
 */
const formats = {
  [CALENDAR_DATE]: { type: 'string' as const, validate: (v: string) => parseCalendarDate(v) !== null },
  [INSTANT]: { type: 'string' as const, validate: (v: string) => parseInstant(v) !== null },
  [SLOT_DATE]: { type: 'string' as const, validate: (v: string) => parseSlotDate(v) !== null },
  [DAY_OR_INSTANT]: { type: 'string' as const, validate: (v: string) => parseDayOrInstant(v) !== null },
};

/** Ajv options every part shares; `coerceTypes` is chosen per part below. */
export const ajvOptions = { customOptions: { removeAdditional: true as const, allErrors: false, formats } };

/** The keyword of the validation issue `textGuard` reports (plugins/errors.ts words it). */
export const UNSTORABLE_TEXT = 'unstorableText';

/**
 * NUL, or a surrogate half without its other half: neither can be stored as PostgreSQL text or
 * jsonb (it fails with SQLSTATE 22021 / 22P05), nor written as UTF-8.
 */
// eslint-disable-next-line no-control-regex -- NUL is what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isUnstorableText(s: string): boolean {
  return UNSTORABLE.test(s);
}

/** The JSON-pointer path of the first unstorable string in `data` (keys included), or null. */
export function findUnstorableText(data: unknown, path = '', depth = 0): string | null {
  if (typeof data === 'string') return isUnstorableText(data) ? path : null;
  // deeper than any schema goes: the schema refuses the shape anyway, and the walk stays bounded
  if (data === null || typeof data !== 'object' || depth > 32) return null;
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      const found = findUnstorableText(data[i], `${path}/${i}`, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, value] of Object.entries(data)) {
    if (isUnstorableText(key)) return path || '/';
    const found = findUnstorableText(value, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

interface RouteSchema {
  schema: unknown;
  method: string;
  url: string;
  httpPart?: string;
}

type Validate = ((data: unknown, ctx?: { parentData?: unknown }) => boolean) & { errors?: unknown; schemaEnv?: unknown };
type Compile = (route: RouteSchema) => Validate;
type ServerAjvOptions = { customOptions?: Record<string, unknown> } & Record<string, unknown>;

// Fastify's default compiler pool (ajv-formats, its defaults); its published types describe the
// compile function as taking a bare schema, but Fastify hands it the route's schema definition.
const pool = AjvCompiler() as unknown as (externalSchemas: Record<string, unknown>, options: ServerAjvOptions) => Compile;

const sentAsForm = (request: unknown): boolean => {
  const isMultipart = (request as { isMultipart?: () => boolean } | null)?.isMultipart;
  return typeof isMultipart === 'function' && isMultipart.call(request) === true;
};

/**
 * A body validator that is strict for JSON and coercing for multipart forms. Fastify calls Ajv
 * validators (recognised by their `schemaEnv`) with the request as `parentData`, which is how this
 * one learns the body's media type; the multipart tests in test/modules/doctors/admin.test.ts
 * fail if a Fastify upgrade stops doing so.
 */
function bodyValidator(json: Validate, form: Validate): Validate {
  const validate: Validate = (data, ctx) => {
    const chosen = sentAsForm(ctx?.parentData) ? form : json;
    const ok = chosen(data, ctx);
    validate.errors = chosen.errors;
    return ok;
  };
  validate.schemaEnv = json.schemaEnv;
  return validate;
}

/** Refuses unstorable text anywhere in the part before the schema runs, as a validation issue naming the field. */
function textGuard(inner: Validate): Validate {
  const validate: Validate = (data, ctx) => {
    const at = findUnstorableText(data);
    if (at !== null) {
      validate.errors = [{ keyword: UNSTORABLE_TEXT, instancePath: at === '/' ? '' : at, schemaPath: '#', params: {} }];
      return false;
    }
    const ok = inner(data, ctx);
    validate.errors = inner.errors;
    return ok;
  };
  validate.schemaEnv = inner.schemaEnv;
  return validate;
}

function buildValidator(externalSchemas: Record<string, unknown>, serverOptions?: ServerAjvOptions): Compile {
  const base = serverOptions ?? {};
  const withCoercion = (coerceTypes: false | 'array') =>
    pool(externalSchemas, { ...base, customOptions: { ...base.customOptions, coerceTypes } });
  const strict = withCoercion(false);
  const coercing = withCoercion('array');
  return (route) => textGuard(route.httpPart === 'body' ? bodyValidator(strict(route), coercing(route)) : coercing(route));
}

/** Fastify's `schemaController` option. */
export const schemaController: FastifyServerOptions['schemaController'] = {
  compilersFactory: { buildValidator: buildValidator as unknown as ValidatorFactory },
};
