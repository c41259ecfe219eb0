import type { Request } from '@google-cloud/functions-framework';
import type { z } from 'zod';
import type { Logger } from '../logger';
import type { ApiDeps } from './apiDeps';

/** Who is calling, once authenticated by a session cookie or a bearer ID token. */
export interface Principal {
  accountId: string;
  sub: string;
  email: string;
  emailVerified: boolean;
  isAdmin: boolean;
  via: 'session' | 'bearer';
}

export interface RouteContext<Query, Body> {
  req: Request;
  params: Record<string, string>;
  query: Query;
  body: Body;
  principal: Principal | null;
  deps: ApiDeps;
  log: Logger;
  trace: string | undefined;
  nowMs: number;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string | string[]>;
}

export type Access = 'public' | 'user' | 'admin';

export interface Route<Query = unknown, Body = unknown> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Express-like pattern: `/v1/generations/:id`. */
  path: string;
  access: Access;
  summary: string;
  query?: z.ZodType<Query>;
  body?: z.ZodType<Body>;
  /** Documented headers the route requires (OpenAPI). */
  requiredHeaders?: readonly string[];
  /** Success status and schema, for the OpenAPI document. */
  response?: { status: number; schema?: z.ZodType; description: string };
  handler(ctx: RouteContext<Query, Body>): Promise<RouteResult>;
}

/** Keeps the query/body types of a route inferred from its schemas. */
export function defineRoute<Query = undefined, Body = undefined>(route: Route<Query, Body>): Route<Query, Body> {
  return route;
}
