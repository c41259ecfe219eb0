import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 §4.1: 43–128 unreserved characters. */
const CODE_VERIFIER_SHAPE = /^[A-Za-z0-9\-._~]{43,128}$/;
/** A base64url SHA-256 digest: 43 characters. */
export const CODE_CHALLENGE_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function s256CodeChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

export function verifierMatchesChallenge(codeVerifier: string, codeChallenge: string): boolean {
  if (!CODE_VERIFIER_SHAPE.test(codeVerifier)) return false;
  const actual = Buffer.from(s256CodeChallenge(codeVerifier));
  const expected = Buffer.from(codeChallenge);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
