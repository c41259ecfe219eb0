import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Certificates, OAuth2Client, TokenPayload } from 'google-auth-library';
import { assertInvariant, DomainError } from '../../domain/errors';
import type { AuthorizationRequest, IdentityProvider, SchedulerTokenExpectation, VerifiedIdentity } from '../../ports/identityProvider';
import {
  assertIdTokenShape,
  parseIdentityClaims,
  rejectedIdToken,
  rejectionFromLibraryError,
  toVerifiedIdentity,
} from './idTokenClaims';
import { authorizationInputSchema, codeExchangeSchema, parseSignInInput } from './signInInputs';
import type { GoogleIdentityProviderOptions } from './signInOptions';

type GoogleAuthLibrary = typeof import('google-auth-library');

const DEFAULT_SCOPES = ['openid', 'email', 'profile'] as const;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** 256 bits from the CSPRNG, base64url: state, nonce and PKCE verifier (43 characters, RFC 7636's minimum). */
function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function createGoogleIdentityProvider(options: GoogleIdentityProviderOptions): IdentityProvider {
  assertInvariant(options.clientId.length > 0, 'sign-in needs a client id');
  assertInvariant(options.clientSecret.length > 0, 'sign-in needs a client secret');
  assertInvariant(options.issuers.length > 0, 'sign-in needs at least one accepted issuer');
  const issuers = [...options.issuers];
  const scopes = [...(options.scopes ?? DEFAULT_SCOPES)];
  assertInvariant(scopes.includes('openid'), 'sign-in scopes must include openid');

  let loaded: { library: GoogleAuthLibrary; client: OAuth2Client } | undefined;
  /**
   * google-auth-library costs ~60 ms and ~80 modules to load; only login, callback and bearer or
   * scheduler calls need it, so a cookie-authenticated request never pays for it. require, not
   * import(): the build is CommonJS and jest runs without ESM support.
   */
  function googleAuth(): { library: GoogleAuthLibrary; client: OAuth2Client } {
    if (!loaded) {
      const library = require('google-auth-library') as GoogleAuthLibrary;
      const client = new library.OAuth2Client({
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        endpoints: {
          oauth2AuthBaseUrl: options.endpoints.authorizationUrl,
          oauth2TokenUrl: options.endpoints.tokenUrl,
          oauth2FederatedSignonPemCertsUrl: options.endpoints.pemCertsUrl,
        },
        // The library's default list also admits the universe domain ("googleapis.com") as an issuer.
        issuers,
        transporterOptions: {
          timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
          // gaxios 8 otherwise fetches through `await import('node-fetch')` on Node: an ESM load on
          // the first call (cold start), and one that fails outright under jest's CommonJS runtime.
          fetchImplementation: fetch,
        },
        // Drops the library's request/response debug logging, which would print the token
        // response (id_token, access_token) whenever GOOGLE_SDK_NODE_LOGGING is set.
        useAuthRequestParameters: false,
      });
      loaded = { library, client };
    }
    return loaded;
  }

  async function verifiedPayload(idToken: unknown, audience: string): Promise<TokenPayload> {
    assertIdTokenShape(idToken);
    const { client } = googleAuth();
    let certs: Certificates;
    try {
      certs = (await client.getFederatedSignonCertsAsync()).certs;
    } catch {
      throw new DomainError('UPSTREAM_UNAVAILABLE', 'the identity provider signing keys could not be fetched', { retryable: true });
    }
    let payload: TokenPayload | undefined;
    try {
      // Issuers passed explicitly; the audience always, since the library skips the check without one.
      payload = (await client.verifySignedJwtWithCertsAsync(idToken, certs, audience, issuers)).getPayload();
    } catch (error) {
      throw rejectedIdToken(rejectionFromLibraryError(error));
    }
    if (!payload) throw rejectedIdToken('claims');
    return payload;
  }

  async function redeemCode(code: string, codeVerifier: string, redirectUri: string): Promise<string> {
    const { library, client } = googleAuth();
    try {
      const { tokens } = await client.getToken({ code, codeVerifier, redirect_uri: redirectUri });
      if (!tokens.id_token) throw rejectedIdToken('claims');
      return tokens.id_token;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      // The error's config carries the client secret and the verifier: it is dropped, not wrapped.
      const status = error instanceof library.gaxios.GaxiosError ? error.response?.status : undefined;
      if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        const reported = (error as { response?: { data?: { error?: unknown } } }).response?.data?.error;
        const providerError = typeof reported === 'string' && /^[a-z_]{1,64}$/.test(reported) ? reported : 'unknown';
        // A refused client is our configuration, not the user's code: no retry or new login fixes it.
        if (providerError === 'invalid_client' || providerError === 'unauthorized_client') {
          throw new DomainError('INTERNAL', 'sign-in is misconfigured', { details: { providerError } });
        }
        throw new DomainError('UNAUTHENTICATED', 'the authorization code was refused', { details: { reason: 'code_refused', providerError } });
      }
      throw new DomainError('UPSTREAM_UNAVAILABLE', 'the identity provider could not be reached', { retryable: true });
    }
  }

  return {
    async createAuthorizationRequest(input): Promise<AuthorizationRequest> {
      const { redirectUri, loginHint } = parseSignInInput(authorizationInputSchema, input);
      const { library, client } = googleAuth();
      const state = randomToken();
      const nonce = randomToken();
      const codeVerifier = randomToken();
      const url = client.generateAuthUrl({
        redirect_uri: redirectUri,
        scope: scopes,
        state,
        nonce,
        code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
        code_challenge_method: library.CodeChallengeMethod.S256,
        access_type: 'online',
        ...(loginHint === undefined ? {} : { login_hint: loginHint }),
      });
      return { url, state, nonce, codeVerifier };
    },

    async exchangeCode(input): Promise<VerifiedIdentity> {
      const { code, codeVerifier, redirectUri, expectedNonce } = parseSignInInput(codeExchangeSchema, input);
      const idToken = await redeemCode(code, codeVerifier, redirectUri);
      const claims = parseIdentityClaims(await verifiedPayload(idToken, options.clientId));
      // The nonce binds this token to the browser that started this login (OIDC Core §3.1.3.7).
      if (claims.nonce === undefined || !sameString(claims.nonce, expectedNonce)) throw rejectedIdToken('nonce_mismatch');
      return toVerifiedIdentity(claims);
    },

    async verifyBearerIdToken(idToken): Promise<VerifiedIdentity> {
      return toVerifiedIdentity(parseIdentityClaims(await verifiedPayload(idToken, options.clientId)));
    },

    async verifySchedulerToken(idToken, expected: SchedulerTokenExpectation): Promise<{ email: string }> {
      assertInvariant(expected.audience.length > 0, 'scheduler verification needs the function URL as audience');
      assertInvariant(expected.allowedEmails.length > 0, 'scheduler verification needs at least one allowed service account');
      const identity = toVerifiedIdentity(parseIdentityClaims(await verifiedPayload(idToken, expected.audience)));
      if (!identity.emailVerified) throw rejectedIdToken('email_unverified');
      // Any Google account can mint an ID token for any audience; the email is what makes it the scheduler.
      const allowed = expected.allowedEmails.some((email) => email.trim().toLowerCase() === identity.email);
      if (!allowed) throw new DomainError('FORBIDDEN', 'this service account may not call this endpoint');
      return { email: identity.email };
    },
  };
}
