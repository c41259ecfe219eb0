import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { logger, traceFromHeaders } from '../logger';
import type { ApiDeps } from './apiDeps';
import { authenticate } from './authenticate';
import { errorResponse, send, validationError } from './respond';
import type { Route } from './route';

interface CompiledRoute {
  route: Route<any, any>;
  pattern: RegExp;
  paramNames: string[];
}

function compile(route: Route<any, any>): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      paramNames.push(segment.slice(1));
      return '([A-Za-z0-9_-]{1,128})';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}/?$`), paramNames };
}

const BODY_METHODS = new Set(['POST', 'PATCH', 'PUT']);

function zodIssues(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string; code: string }> }) {
  return error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code }));
}

/**
 * The api function: find the route, authenticate, check access, validate query and body, call
 * the handler, map the result or the error. Handlers never see unvalidated input.
 */
export function createApiHandler(routes: readonly Route<any, any>[], getDeps: () => ApiDeps): HttpFunction {
  const compiled = routes.map(compile);
  return async (req: Request, res: Response) => {
    const startedAt = process.hrtime.bigint();
    const trace = traceFromHeaders(req.headers) ?? randomUUID().replace(/-/g, '');
    let log = logger.child({ component: 'api', trace });
    const path = req.path;
    let status = 500;
    try {
      const deps = getDeps();
      const nowMs = deps.clock.nowMs();
      const byPath = compiled.filter((c) => c.pattern.test(path));
      if (byPath.length === 0) throw new DomainError('NOT_FOUND', `No route for ${path}.`);
      const match = byPath.find((c) => c.route.method === req.method);
      if (!match) {
        res.setHeader('Allow', byPath.map((c) => c.route.method).join(', '));
        throw new DomainError('NOT_FOUND', `${req.method} is not supported on ${path}.`);
      }
      const values = match.pattern.exec(path)!.slice(1);
      const params = Object.fromEntries(match.paramNames.map((name, i) => [name, values[i]!]));
      const { route } = match;

      const principal = await authenticate(req, deps, nowMs);
      if (principal) log = log.child({ accountId: principal.accountId });
      if (route.access !== 'public' && !principal) throw new DomainError('UNAUTHENTICATED', 'Sign in first (GET /auth/login) or send a bearer ID token.');
      if (route.access === 'admin' && !principal?.isAdmin) throw new DomainError('FORBIDDEN', 'Administrators only.');

      let query: unknown = undefined;
      if (route.query) {
        const parsed = route.query.safeParse(req.query ?? {});
        if (!parsed.success) throw validationError('The query parameters are not valid.', zodIssues(parsed.error));
        query = parsed.data;
      }
      let body: unknown = undefined;
      if (route.body) {
        if (!BODY_METHODS.has(req.method) || !req.is('application/json')) {
          throw new DomainError('VALIDATION_FAILED', 'Send a JSON body with Content-Type: application/json.');
        }
        const parsed = route.body.safeParse(req.body);
        if (!parsed.success) throw validationError('The request body is not valid.', zodIssues(parsed.error));
        body = parsed.data;
      }
      for (const header of route.requiredHeaders ?? []) {
        if (!req.get(header)) throw new DomainError('VALIDATION_FAILED', `The ${header} header is required.`, { details: { header } });
      }

      const result = await route.handler({ req, params, query, body, principal, deps, log, trace, nowMs });
      status = result.status;
      send(res, result.status, result.body, result.headers);
    } catch (error) {
      const mapped = errorResponse(error, log.child({ method: req.method, path }));
      status = mapped.status;
      send(res, mapped.status, mapped.body, mapped.headers);
    } finally {
      const latencyMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
      log.info('request', { httpRequest: { requestMethod: req.method, requestUrl: path, status, latency: `${(latencyMs / 1000).toFixed(3)}s` } });
    }
  };
}
