import { z } from 'zod';
import { ERROR_CODES } from '../domain/errors';
import { statusFor } from './errorStatus';
import type { Route } from './route';

function toJsonSchema(schema: z.ZodType): unknown {
  // Input side: what a client sends. Transforms (USD → micros) are described by their input.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
}

function openapiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

/** OpenAPI 3.1 built from the same zod schemas the routes validate with, so the two cannot drift. */
export function buildOpenApi(routes: readonly Route<any, any>[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    for (const match of route.path.matchAll(/:([A-Za-z]+)/g)) parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
    if (route.query) {
      const schema = toJsonSchema(route.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
      }
    }
    for (const header of route.requiredHeaders ?? []) parameters.push({ name: header, in: 'header', required: true, schema: { type: 'string' } });
    const operation: Record<string, unknown> = {
      summary: route.summary,
      security: route.access === 'public' ? [] : [{ sessionCookie: [] }, { googleIdToken: [] }],
      parameters,
      responses: {
        [String(route.response?.status ?? 200)]: { description: route.response?.description ?? 'OK' },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    if (route.body) operation.requestBody = { required: true, content: { 'application/json': { schema: toJsonSchema(route.body) } } };
    paths[openapiPath(route.path)] = { ...paths[openapiPath(route.path)], [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'reelguard API',
      version: '1.0.0',
      description: `Amounts are integer micro-USD (1 USD = 1,000,000). Error codes and statuses: ${ERROR_CODES.map((c) => `${c} ${statusFor(c)}`).join(', ')}.`,
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: '__Host-sid' },
        googleIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string', enum: [...ERROR_CODES] }, message: { type: 'string' }, details: { type: 'object' } },
            },
          },
        },
      },
    },
  };
}
