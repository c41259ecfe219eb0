import { z } from 'zod';
import { DomainError } from '../../domain/errors';
import type { VerifiedIdentity } from '../../ports/identityProvider';

/**
 * Why a token was refused, for logs and tests. Never the token or its claims: those are
 * credentials (a valid-but-wrong-audience token is still a live token for someone else).
 */
export type IdTokenRejection =
  | 'malformed'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'lifetime_too_long'
  | 'issuer'
  | 'audience'
  | 'claims'
  | 'nonce_mismatch'
  | 'email_unverified'
  | 'invalid';

export function rejectedIdToken(reason: IdTokenRejection): DomainError {
  return new DomainError('UNAUTHENTICATED', 'the ID token is not valid', { details: { reason } });
}

/**
 * google-auth-library throws plain Errors whose messages embed the whole token or payload; only
 * the leading words are read here, to name the reason. The refusal stands whatever they say.
 */
const LIBRARY_MESSAGE_REASONS: ReadonlyArray<[prefix: string, reason: IdTokenRejection]> = [
  ['Invalid token signature', 'signature'],
  ['No pem found', 'unknown_key'],
  ['Token used too late', 'expired'],
  ['Token used too early', 'not_yet_valid'],
  ['Expiration time too far in future', 'lifetime_too_long'],
  ['Invalid issuer', 'issuer'],
  ['Wrong recipient', 'audience'],
  ['No issue time', 'claims'],
  ['No expiration time', 'claims'],
  ['iat field', 'claims'],
  ['exp field', 'claims'],
  ['Wrong number of segments', 'malformed'],
  ["Can't parse token", 'malformed'],
];

export function rejectionFromLibraryError(error: unknown): IdTokenRejection {
  const message = error instanceof Error ? error.message : '';
  return LIBRARY_MESSAGE_REASONS.find(([prefix]) => message.startsWith(prefix))?.[1] ?? 'invalid';
}

/** Google ID tokens are 1–2 KB; the bound keeps a hostile header from costing parse time. */
const MAX_ID_TOKEN_LENGTH = 8 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Refuses what is not an RS256 compact JWS before the library sees it. On Node the library
 * verifies every token as RSA-SHA256 whatever its header says, so this is belt and braces, and
 * it keeps token-bearing library messages from being produced at all for junk input.
 */
export function assertIdTokenShape(idToken: unknown): asserts idToken is string {
  if (typeof idToken !== 'string' || idToken.length > MAX_ID_TOKEN_LENGTH || !COMPACT_JWS.test(idToken)) {
    throw rejectedIdToken('malformed');
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(idToken.slice(0, idToken.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    throw rejectedIdToken('malformed');
  }
  if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== 'RS256') {
    throw rejectedIdToken('unsupported_algorithm');
  }
}

const identityClaimsSchema = z.object({
  sub: z.string().min(1).max(255),
  email: z.string().min(3).max(254),
  // Google has sent this as the string "true" in older tokens.
  email_verified: z.union([z.boolean(), z.literal('true'), z.literal('false')]).optional(),
  name: z.string().optional(),
  nonce: z.string().optional(),
});

export type IdentityClaims = z.infer<typeof identityClaimsSchema>;

export function parseIdentityClaims(payload: unknown): IdentityClaims {
  const parsed = identityClaimsSchema.safeParse(payload);
  if (!parsed.success) throw rejectedIdToken('claims');
  return parsed.data;
}

const MAX_NAME_LENGTH = 256;

export function toVerifiedIdentity(claims: IdentityClaims): VerifiedIdentity {
  const identity: VerifiedIdentity = {
    sub: claims.sub,
    email: claims.email.trim().toLowerCase(),
    emailVerified: claims.email_verified === true || claims.email_verified === 'true',
  };
  const name = claims.name?.trim();
  if (name) identity.name = name.slice(0, MAX_NAME_LENGTH);
  return identity;
}
