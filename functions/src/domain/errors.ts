/**
 * The one table of error codes. Every refusal the system can give has a stable code here;
 * the HTTP layer maps codes to statuses in exactly one switch (http/errorStatus.ts).
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'UNAUTHENTICATED',
  'QUOTA_EXCEEDED',
  'ONBOARDING_REQUIRED',
  'CONSENT_EXCEEDED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'IDEMPOTENCY_KEY_REUSED',
  'RATE_LIMITED',
  'GENERATION_PAUSED',
  'UPSTREAM_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Record<string, unknown>;

export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;
  /** True when trying the same thing again later may succeed (Pub/Sub redelivery, client retry). */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetails; retryable?: boolean } = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = options.details;
    this.retryable = options.retryable ?? false;
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}

/** Invariant violations are programming errors: they must stop the operation, never be caught as refusals. */
export function assertInvariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
