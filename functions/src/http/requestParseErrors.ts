import type { IncomingMessage, ServerResponse } from 'node:http';
import { logger } from '../logger';

/**
 * functions-framework parses request bodies before our handler runs. A body that is not valid
 * JSON (or too large) fails there and reaches Express's default final handler, which answers
 * with an HTML page — and outside NODE_ENV=production, a stack trace with file paths. The
 * framework offers no hook for this, so we give Express's final handler a replacement that
 * answers like every other refusal: `{"error":{"code":"VALIDATION_FAILED",...}}` with the status
 * the parser chose (400, 413, 415), and logs the failure without echoing the body.
 * Tested in test/e2e/api/api.security.test.ts: if a framework upgrade bypasses this, that test fails.
 */
let installed = false;

export function installJsonParseErrors(): void {
  if (installed) return;
  installed = true;
  type Handle = (this: unknown, req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => unknown;
  const application = (require('express') as { application: { handle: Handle } }).application;
  const originalHandle = application.handle;
  application.handle = function handle(this: unknown, req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) {
    const done =
      callback ??
      ((err?: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const error = err as { status?: number; statusCode?: number; type?: string } | undefined;
        const status = error ? (error.status ?? error.statusCode ?? 500) : 404;
        const clientError = status >= 400 && status < 500;
        if (error && !clientError) logger.error('request failed before reaching the function', { error, path: req.url });
        else if (error) logger.warn('request body refused by the parser', { status, type: error.type, path: req.url });
        const body = clientError
          ? { error: { code: status === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED', message: status === 404 ? 'Not found.' : 'The request body could not be read: send valid JSON with Content-Type: application/json.' } }
          : { error: { code: 'INTERNAL', message: 'Internal error. It has been logged; try again later.' } };
        res.statusCode = clientError ? status : 500;
        res.setHeader('Content-Type', 'application/json; charset=utf-8');
        res.setHeader('Cache-Control', 'no-store');
        res.end(JSON.stringify(body));
      });
    return originalHandle.call(this, req, res, done);
  };
}
