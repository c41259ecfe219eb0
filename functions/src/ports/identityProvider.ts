/**
 * Who the caller is, as an OpenID provider (Google, or the local stand-in) vouches for it.
 * Users are keyed by `sub`: an email address can change owner, a `sub` never does.
 */
export interface VerifiedIdentity {
  sub: string;
  /** Lower-cased. Decide anything by email (admin lists) only when `emailVerified` is true. */
  email: string;
  emailVerified: boolean;
  name?: string;
}

/**
 * Everything the login route must keep (server-side or in a short-lived HttpOnly cookie) until
 * the callback: `state` to match the callback, `nonce` and `codeVerifier` to redeem the code.
 */
export interface AuthorizationRequest {
  /** Where to send the browser. */
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface CodeExchange {
  code: string;
  codeVerifier: string;
  /** Must be the very redirect URI the authorization request carried. */
  redirectUri: string;
  expectedNonce: string;
}

export interface SchedulerTokenExpectation {
  /** The URL Cloud Scheduler was told to put in `aud`: the function's own URL. */
  audience: string;
  /** Service accounts allowed to call; anyone can mint a Google ID token for any audience. */
  allowedEmails: readonly string[];
}

/**
 * Refusals are DomainErrors: UNAUTHENTICATED for a code or token that does not prove an identity
 * (refused, expired, tampered, wrong audience or issuer, nonce mismatch), FORBIDDEN for a valid
 * scheduler token from a service account not on the list, VALIDATION_FAILED for input that is
 * not even shaped right, UPSTREAM_UNAVAILABLE (retryable) when the provider cannot be reached.
 * Messages never contain tokens, codes or secrets.
 */
export interface IdentityProvider {
  createAuthorizationRequest(input: { redirectUri: string; loginHint?: string }): Promise<AuthorizationRequest>;
  exchangeCode(input: CodeExchange): Promise<VerifiedIdentity>;
  /** `Authorization: Bearer <ID token>` from programmatic clients; `aud` must be our client id. */
  verifyBearerIdToken(idToken: string): Promise<VerifiedIdentity>;
  verifySchedulerToken(idToken: string, expected: SchedulerTokenExpectation): Promise<{ email: string }>;
}
