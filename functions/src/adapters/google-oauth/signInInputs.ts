import { z } from 'zod';
import { DomainError } from '../../domain/errors';

/**
 * Inputs that are not even shaped right are VALIDATION_FAILED (400), before anything is sent to
 * the provider; well-shaped ones the provider refuses are UNAUTHENTICATED (401).
 */
const redirectUriSchema = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without a fragment');

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const authorizationInputSchema = z.object({
  redirectUri: redirectUriSchema,
  loginHint: z.string().trim().max(254).regex(EMAIL_SHAPE, 'must be an email address').optional(),
});

export const codeExchangeSchema = z.object({
  // Google's codes are ~73 visible ASCII characters; the bound is generous, not tight.
  code: z.string().min(1).max(2048).regex(/^[\x21-\x7e]+$/),
  // RFC 7636 §4.1.
  codeVerifier: z.string().regex(/^[A-Za-z0-9\-._~]{43,128}$/),
  redirectUri: redirectUriSchema,
  expectedNonce: z.string().min(1).max(1024),
});

export function parseSignInInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  // Field names only: the values are codes and verifiers.
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(input)'))];
  throw new DomainError('VALIDATION_FAILED', `invalid sign-in input: ${fields.join(', ')}`, { details: { fields } });
}
