import type { Response } from '@google-cloud/functions-framework';
import { DomainError, isDomainError } from '../domain/errors';
import type { Logger } from '../logger';
import { statusFor } from './errorStatus';

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/**
 * Refusals become `{"error":{code,message,details}}` with the status from the one table.
 * Anything else is an internal error: logged with its stack and context, answered with a fixed
 * message so no detail of the failure reaches the client.
 */
export function errorResponse(error: unknown, log: Logger): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (isDomainError(error) && error.code !== 'INTERNAL') {
    const status = statusFor(error.code);
    const headers: Record<string, string> = {};
    const retryAfter = error.details?.retryAfterSeconds;
    if (typeof retryAfter === 'number') headers['Retry-After'] = String(retryAfter);
    else if (status === 429 || status === 503) headers['Retry-After'] = '60';
    if (status >= 500) log.warn('request refused', { code: error.code, status });
    return { status, body: { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } }, headers };
  }
  log.error('internal error', { error });
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Internal error. It has been logged; try again later.' } }, headers: {} };
}

export function send(res: Response, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  if (body === undefined) {
    res.status(status).end();
    return;
  }
  res.status(status).json(body);
}

export function validationError(message: string, issues: unknown): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { details: { issues } });
}
