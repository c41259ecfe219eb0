import type { ErrorCode } from '../domain/errors';

/** The one table from error code to HTTP status. Exhaustive: a new code does not compile until it is mapped. */
export function statusFor(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_FAILED':
      return 400;
    case 'UNAUTHENTICATED':
      return 401;
    case 'QUOTA_EXCEEDED':
      return 402;
    case 'ONBOARDING_REQUIRED':
    case 'CONSENT_EXCEEDED':
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'IDEMPOTENCY_KEY_REUSED':
      return 422;
    case 'RATE_LIMITED':
      return 429;
    case 'INTERNAL':
      return 500;
    case 'UPSTREAM_UNAVAILABLE':
      return 502;
    case 'GENERATION_PAUSED':
      return 503;
    default: {
      const unmapped: never = code;
      throw new Error(`unmapped error code ${String(unmapped)}`);
    }
  }
}
