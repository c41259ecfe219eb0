/**
 * Where sign-in talks to and whom it trusts. The same adapter runs against Google and against
 * the local provider (scripts/local-oidc); only these options differ. config.ts builds them from
 * the environment; the adapter never reads process.env.
 */
export interface IdentityEndpoints {
  authorizationUrl: string;
  tokenUrl: string;
  /**
   * A JSON map kid → PEM (Google's oauth2/v1/certs). google-auth-library on Node only reads this
   * format; its JWK path is taken only where `window.crypto` exists.
   */
  pemCertsUrl: string;
}

export interface GoogleIdentityProviderOptions {
  clientId: string;
  clientSecret: string;
  /** Accepted `iss` values, exactly. */
  issuers: readonly string[];
  endpoints: IdentityEndpoints;
  /** Defaults to openid email profile. */
  scopes?: readonly string[];
  /** Per HTTP call to the provider (token exchange, certs); a hung provider must not hang a login. */
  requestTimeoutMs?: number;
}

/** Google signs ID tokens with either form of its issuer. */
export const GOOGLE_ISSUERS: readonly string[] = ['accounts.google.com', 'https://accounts.google.com'];

export const GOOGLE_ENDPOINTS: IdentityEndpoints = {
  authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  pemCertsUrl: 'https://www.googleapis.com/oauth2/v1/certs',
};

export function googleSignInOptions(client: { clientId: string; clientSecret: string }): GoogleIdentityProviderOptions {
  return { ...client, issuers: GOOGLE_ISSUERS, endpoints: GOOGLE_ENDPOINTS };
}

/** The paths scripts/local-oidc serves under its issuer (its LOCAL_OIDC_PATHS; a test keeps the two in step). */
export function localOidcSignInOptions(input: { issuer: string; clientId: string; clientSecret: string }): GoogleIdentityProviderOptions {
  const issuer = input.issuer.replace(/\/+$/, '');
  return {
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    issuers: [issuer],
    endpoints: {
      authorizationUrl: `${issuer}/authorize`,
      tokenUrl: `${issuer}/token`,
      pemCertsUrl: `${issuer}/oauth2/v1/certs`,
    },
  };
}
