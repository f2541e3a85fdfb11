// Reads the app's own OpenAPI document into a list of operations the hostile suite can attack.
import type { App } from '../../src/app.js';

export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** which role's token the route wants (from its prefix), when it is secured */
  role?: 'patient' | 'doctor' | 'admin';
  pathParams: string[];
  queryParams: string[];
  /** declared JSON body properties, when the operation takes a body */
  bodyProps?: string[];
  /** the media types its body may be sent as (`application/json`, `multipart/form-data`) */
  bodyTypes: string[];
  /** server-sent event streams never end: only refused calls are safe to inject */
  streaming: boolean;
}

interface OpenApiOperation {
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function operationsOf(app: App): Operation[] {
  const doc = app.swagger() as { paths: Record<string, Partial<Record<(typeof METHODS)[number], OpenApiOperation>>> };
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m];
      if (!op) continue;
      const prefix = /^\/api\/(user|doctor|admin)\//.exec(path)?.[1];
      const role = op.security?.length && prefix ? ({ user: 'patient', doctor: 'doctor', admin: 'admin' } as const)[prefix as 'user' | 'doctor' | 'admin'] : undefined;
      const content = op.requestBody?.content;
      const schema = content?.['application/json']?.schema ?? content?.['multipart/form-data']?.schema;
      ops.push({
        method: m.toUpperCase() as Operation['method'],
        path,
        role,
        pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodyProps: content ? Object.keys(schema?.properties ?? {}) : undefined,
        bodyTypes: Object.keys(content ?? {}),
        streaming: /\/events$/.test(path),
      });
    }
  }
  return ops;
}
