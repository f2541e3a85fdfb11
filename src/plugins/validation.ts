// Request validation: which values are converted to the schema's types, per part of the request.
// - JSON bodies are validated as sent. `{"fees": null}`, `{"available": null}` or `{"name": 42}`
//   is a 400, never coerced (null would become fee 0 or "not available", 42 the name "42").
// - Querystrings, path parameters and headers are text by nature: coerced (`?page=2` → 2).
// - Multipart form fields are text too (media/multipart.ts puts them in `request.body` before
//   validation): a multipart body is validated with coercion, so a form's `fees=500` is 500.
import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

/** Ajv options every part shares; `coerceTypes` is chosen per part below. */
export const ajvOptions = { customOptions: { removeAdditional: true as const, allErrors: false } };

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
 * one learns the body's media type; the multipart tests in test/modules/doctors-admin.test.ts
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

function buildValidator(externalSchemas: Record<string, unknown>, serverOptions?: ServerAjvOptions): Compile {
  const base = serverOptions ?? {};
  const withCoercion = (coerceTypes: false | 'array') =>
    pool(externalSchemas, { ...base, customOptions: { ...base.customOptions, coerceTypes } });
  const strict = withCoercion(false);
  const coercing = withCoercion('array');
  return (route) => (route.httpPart === 'body' ? bodyValidator(strict(route), coercing(route)) : coercing(route));
}

/** Fastify's `schemaController` option. */
export const schemaController: FastifyServerOptions['schemaController'] = {
  compilersFactory: { buildValidator: buildValidator as unknown as ValidatorFactory },
};
