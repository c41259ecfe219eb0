import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthorizationCodeStore, type LocalUser } from './authorizationCodes';
import { signCompactJwt, type JwtHeader, type JwtPayload } from './compactJwt';
import { DEFAULT_LOCAL_USER_EMAIL, displayNameForEmail, isPlausibleEmail, normalizeEmail, subjectForEmail } from './localUsers';
import { CODE_CHALLENGE_SHAPE, verifierMatchesChallenge } from './pkce';
import { DEFAULT_LOCAL_CLIENT, isAllowedRedirectUri, secretMatches, type LocalOidcClient } from './registeredClients';
import { createSigningKey } from './signingKey';

/**
 * Paths as the reelguard adapter derives them from the issuer (localOidcEndpoints in
 * functions/src/adapters/google-oauth). The PEM map mirrors Google's
 * https://www.googleapis.com/oauth2/v1/certs, which is what google-auth-library fetches on Node.
 */
export const LOCAL_OIDC_PATHS = {
  discovery: '/.well-known/openid-configuration',
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  pemCerts: '/oauth2/v1/certs',
} as const;

export interface LocalOidcOptions {
  /** 0 (the default) picks a free port. The server listens on 127.0.0.1 only. */
  port?: number;
  /** Defaults to http://127.0.0.1:<port>; give one when the provider is reached under another name. */
  issuer?: string;
  /** Defaults to one client, DEFAULT_LOCAL_CLIENT, that may redirect to any loopback URL. */
  clients?: readonly LocalOidcClient[];
  codeLifetimeSeconds?: number;
  idTokenLifetimeSeconds?: number;
}

export interface SignOptions {
  /** Seconds from now to `exp`; ignored when the claims carry their own `exp`. */
  lifetimeSeconds?: number;
  /** `unpublished` signs with a key the provider never publishes, under the published kid. */
  signedWith?: 'published' | 'unpublished';
  header?: JwtHeader;
}

export interface LocalOidc {
  issuer: string;
  port: number;
  /** The first registered client: what the API is configured with in local mode. */
  clientId: string;
  clientSecret: string;
  kid: string;
  urls: { [K in keyof typeof LOCAL_OIDC_PATHS]: string };
  /**
   * An ID token as the token endpoint would issue it, for DEFAULT_LOCAL_USER_EMAIL unless the
   * claims name someone. Given claims override the defaults; a claim set to `undefined` is left
   * out (JSON drops it), which is how tests make a token without `exp` or `sub`.
   */
  signIdToken(claims?: JwtPayload, options?: SignOptions): string;
  /** What Cloud Scheduler sends with an OIDC target: the service account's email, aud = the URL. */
  signSchedulerToken(input: { serviceAccountEmail: string; audience: string }, claims?: JwtPayload, options?: SignOptions): string;
  /** Exactly these claims and nothing else, signed. */
  signToken(payload: JwtPayload, options?: SignOptions): string;
  subjectForEmail(email: string): string;
  stop(): Promise<void>;
}

/** Bounds, so a runaway test or script cannot grow the provider without limit. */
const MAX_OUTSTANDING_CODES = 10_000;
const MAX_ACCESS_TOKENS = 10_000;
const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;
const MAX_STATE_OR_NONCE_LENGTH = 1024;

class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
  }
}

export async function startLocalOidc(options: LocalOidcOptions = {}): Promise<LocalOidc> {
  const clients = options.clients ?? [DEFAULT_LOCAL_CLIENT];
  const primaryClient = clients[0];
  if (!primaryClient) throw new Error('local OIDC needs at least one client');
  const codeLifetimeSeconds = options.codeLifetimeSeconds ?? 60;
  const idTokenLifetimeSeconds = options.idTokenLifetimeSeconds ?? 3600;
  const signingKey = createSigningKey();
  let unpublishedKey: ReturnType<typeof createSigningKey> | undefined;
  const codes = new AuthorizationCodeStore(codeLifetimeSeconds * 1000, MAX_OUTSTANDING_CODES);
  const accessTokens = new Map<string, { user: LocalUser; expiresAtMs: number }>();

  const server = createServer((req, res) => {
    handleRequest(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = (options.issuer ?? `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  if (new URL(issuer).pathname !== '/') {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw new Error('the local OIDC issuer must be an origin (scheme://host:port): endpoints are served at its root');
  }
  const defaultAudience = primaryClient.clientId;
  const urls = Object.fromEntries(Object.entries(LOCAL_OIDC_PATHS).map(([name, path]) => [name, issuer + path])) as LocalOidc['urls'];

  function signToken(payload: JwtPayload, signOptions: SignOptions = {}): string {
    let key = signingKey;
    if (signOptions.signedWith === 'unpublished') key = unpublishedKey ??= createSigningKey();
    // The published kid even for the unpublished key: the verifier must fail on the signature, not on a missing kid.
    return signCompactJwt({ kid: signingKey.kid, ...signOptions.header }, payload, key.privateKey);
  }

  function timeClaims(signOptions: SignOptions): { iat: number; exp: number } {
    const iat = Math.floor(Date.now() / 1000);
    return { iat, exp: iat + (signOptions.lifetimeSeconds ?? idTokenLifetimeSeconds) };
  }

  function userFor(email: string): LocalUser {
    const normalized = normalizeEmail(email);
    return { sub: subjectForEmail(normalized), email: normalized, name: displayNameForEmail(normalized) };
  }

  function idTokenClaims(user: LocalUser, audience: string, nonce: string | undefined): JwtPayload {
    return {
      iss: issuer,
      azp: audience,
      aud: audience,
      sub: user.sub,
      email: user.email,
      email_verified: true,
      name: user.name,
      ...(nonce === undefined ? {} : { nonce }),
    };
  }

  function signIdToken(claims: JwtPayload = {}, signOptions: SignOptions = {}): string {
    const email = typeof claims.email === 'string' ? claims.email : DEFAULT_LOCAL_USER_EMAIL;
    return signToken({ ...idTokenClaims(userFor(email), defaultAudience, undefined), ...timeClaims(signOptions), ...claims }, signOptions);
  }

  function signSchedulerToken(
    input: { serviceAccountEmail: string; audience: string },
    claims: JwtPayload = {},
    signOptions: SignOptions = {},
  ): string {
    const serviceAccountId = subjectForEmail(input.serviceAccountEmail);
    return signToken(
      {
        iss: issuer,
        aud: input.audience,
        azp: serviceAccountId,
        sub: serviceAccountId,
        email: normalizeEmail(input.serviceAccountEmail),
        email_verified: true,
        ...timeClaims(signOptions),
        ...claims,
      },
      signOptions,
    );
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const method = req.method ?? 'GET';
    const expectedMethod = url.pathname === LOCAL_OIDC_PATHS.token ? 'POST' : 'GET';
    if (method !== expectedMethod && !(expectedMethod === 'GET' && method === 'HEAD')) {
      res.writeHead(405, { allow: expectedMethod }).end();
      return;
    }
    switch (url.pathname) {
      case LOCAL_OIDC_PATHS.discovery:
        return sendJson(res, 200, discoveryDocument());
      case LOCAL_OIDC_PATHS.jwks:
        return sendJson(res, 200, { keys: [signingKey.publicJwk] }, certCacheHeaders);
      case LOCAL_OIDC_PATHS.pemCerts:
        return sendJson(res, 200, { [signingKey.kid]: signingKey.publicKeyPem }, certCacheHeaders);
      case LOCAL_OIDC_PATHS.authorization:
        return authorize(url.searchParams, res);
      case LOCAL_OIDC_PATHS.userinfo:
        return userinfo(req, res);
      case LOCAL_OIDC_PATHS.token:
        try {
          return sendJson(res, 200, await exchangeToken(req), { 'cache-control': 'no-store', pragma: 'no-cache' });
        } catch (error) {
          if (!(error instanceof OAuthError)) throw error;
          const headers: Record<string, string> = { 'cache-control': 'no-store' };
          if (error.status === 401) headers['www-authenticate'] = 'Basic realm="local-oidc"';
          return sendJson(res, error.status, { error: error.error, error_description: error.description }, headers);
        }
      default:
        return sendJson(res, 404, { error: 'not_found' });
    }
  }

  function discoveryDocument(): Record<string, unknown> {
    return {
      issuer,
      authorization_endpoint: urls.authorization,
      token_endpoint: urls.token,
      userinfo_endpoint: urls.userinfo,
      jwks_uri: urls.jwks,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'email', 'profile'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      code_challenge_methods_supported: ['S256'],
      claims_supported: ['aud', 'azp', 'email', 'email_verified', 'exp', 'iat', 'iss', 'name', 'nonce', 'sub'],
    };
  }

  /** Auto-approves: the person is whoever `login_hint` names, as if they had clicked through Google. */
  function authorize(params: URLSearchParams, res: ServerResponse): void {
    let client: LocalOidcClient | undefined;
    let redirectUri: string | undefined;
    let state: string | undefined;
    try {
      const clientId = singleParam(params, 'client_id');
      client = clients.find((candidate) => candidate.clientId === clientId);
      redirectUri = singleParam(params, 'redirect_uri');
      // Until the client and its redirect URI check out, errors go to the browser, never to the URI (RFC 6749 §4.1.2.1).
      if (!client) throw new OAuthError('invalid_client', 'unknown client_id');
      if (redirectUri === undefined || !isAllowedRedirectUri(client, redirectUri)) {
        throw new OAuthError('invalid_request', 'redirect_uri is missing or not registered for this client');
      }
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return sendJson(res, 400, { error: error.error, error_description: error.description });
    }
    const target = new URL(redirectUri);
    try {
      state = singleParam(params, 'state');
      const nonce = singleParam(params, 'nonce');
      if ((state?.length ?? 0) > MAX_STATE_OR_NONCE_LENGTH || (nonce?.length ?? 0) > MAX_STATE_OR_NONCE_LENGTH) {
        state = undefined;
        throw new OAuthError('invalid_request', 'state or nonce too long');
      }
      if (singleParam(params, 'response_type') !== 'code') throw new OAuthError('unsupported_response_type', 'only response_type=code');
      const scope = singleParam(params, 'scope') ?? '';
      if (!scope.split(' ').includes('openid')) throw new OAuthError('invalid_scope', 'scope must include openid');
      // Stricter than Google, on purpose: reelguard always sends S256, so anything else is a bug to surface.
      const codeChallenge = singleParam(params, 'code_challenge');
      if (singleParam(params, 'code_challenge_method') !== 'S256' || codeChallenge === undefined || !CODE_CHALLENGE_SHAPE.test(codeChallenge)) {
        throw new OAuthError('invalid_request', 'PKCE with code_challenge_method=S256 is required');
      }
      const loginHint = singleParam(params, 'login_hint');
      if (loginHint !== undefined && !isPlausibleEmail(normalizeEmail(loginHint))) {
        throw new OAuthError('invalid_request', 'login_hint must be an email address');
      }
      const code = codes.issue(
        { clientId: client.clientId, redirectUri, codeChallenge, scope, nonce, user: userFor(loginHint ?? DEFAULT_LOCAL_USER_EMAIL) },
        Date.now(),
      );
      target.searchParams.set('code', code);
      target.searchParams.set('scope', scope);
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      target.searchParams.set('error', error.error);
      target.searchParams.set('error_description', error.description);
    }
    if (state !== undefined) target.searchParams.set('state', state);
    res.writeHead(302, { location: target.toString(), 'cache-control': 'no-store' }).end();
  }

  async function exchangeToken(req: IncomingMessage): Promise<Record<string, unknown>> {
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthError('invalid_request', 'body must be application/x-www-form-urlencoded');
    }
    const params = new URLSearchParams(await readBody(req, MAX_TOKEN_REQUEST_BYTES));
    const client = authenticateClient(req, params);
    if (singleParam(params, 'grant_type') !== 'authorization_code') {
      throw new OAuthError('unsupported_grant_type', 'only authorization_code');
    }
    const code = singleParam(params, 'code');
    if (!code) throw new OAuthError('invalid_request', 'code is required');
    const outcome = codes.redeem(code, Date.now());
    if (outcome.kind !== 'granted') throw new OAuthError('invalid_grant', `authorization code ${outcome.kind}`);
    const { grant } = outcome;
    if (grant.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'code was issued to another client');
    if (singleParam(params, 'redirect_uri') !== grant.redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri does not match');
    const codeVerifier = singleParam(params, 'code_verifier');
    if (codeVerifier === undefined || !verifierMatchesChallenge(codeVerifier, grant.codeChallenge)) {
      throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
    }
    const accessToken = randomBytes(32).toString('base64url');
    rememberAccessToken(accessToken, grant.user);
    const times = timeClaims({});
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: times.exp - times.iat,
      scope: grant.scope,
      id_token: signToken({ ...idTokenClaims(grant.user, client.clientId, grant.nonce), ...times }),
    };
  }

  /** client_secret_basic or client_secret_post, never both (RFC 6749 §2.3.1). */
  function authenticateClient(req: IncomingMessage, params: URLSearchParams): LocalOidcClient {
    const bodyClientId = singleParam(params, 'client_id');
    const bodySecret = singleParam(params, 'client_secret');
    let clientId = bodyClientId;
    let secret = bodySecret;
    const authorization = req.headers.authorization;
    if (authorization?.startsWith('Basic ')) {
      if (bodySecret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method');
      const decoded = Buffer.from(authorization.slice('Basic '.length), 'base64').toString('utf8');
      const separator = decoded.indexOf(':');
      try {
        if (separator < 0) throw new Error('no separator');
        // The id and secret are form-encoded before Basic encoding (RFC 6749 §2.3.1).
        const formDecode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
        clientId = formDecode(decoded.slice(0, separator));
        secret = formDecode(decoded.slice(separator + 1));
      } catch {
        throw new OAuthError('invalid_client', 'malformed Basic credentials', 401);
      }
      if (bodyClientId !== undefined && bodyClientId !== clientId) throw new OAuthError('invalid_request', 'client_id differs from the Basic credentials');
    }
    const client = clients.find((candidate) => candidate.clientId === clientId);
    if (!client || secret === undefined || !secretMatches(client, secret)) {
      throw new OAuthError('invalid_client', 'client authentication failed', 401);
    }
    return client;
  }

  function rememberAccessToken(accessToken: string, user: LocalUser): void {
    const nowMs = Date.now();
    for (const [token, entry] of accessTokens) {
      if (accessTokens.size < MAX_ACCESS_TOKENS && entry.expiresAtMs > nowMs) break;
      accessTokens.delete(token);
    }
    accessTokens.set(accessToken, { user, expiresAtMs: nowMs + idTokenLifetimeSeconds * 1000 });
  }

  function userinfo(req: IncomingMessage, res: ServerResponse): void {
    const presented = req.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];
    const entry = presented === undefined ? undefined : accessTokens.get(presented);
    if (!entry || entry.expiresAtMs <= Date.now()) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    sendJson(res, 200, { sub: entry.user.sub, email: entry.user.email, email_verified: true, name: entry.user.name });
  }

  let stopped: Promise<void> | undefined;
  return {
    issuer,
    port,
    clientId: primaryClient.clientId,
    clientSecret: primaryClient.clientSecret,
    kid: signingKey.kid,
    urls,
    signIdToken,
    signSchedulerToken,
    signToken,
    subjectForEmail,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        codes.clear();
        accessTokens.clear();
        server.close(() => resolve());
        // Keep-alive sockets from fetch/gaxios would otherwise hold close() open for seconds.
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

/**
 * No caching: every run has a new key, and the API may outlive a provider restart.
 * google-auth-library caches certs only when the response carries max-age.
 */
const certCacheHeaders = { 'cache-control': 'no-cache' };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

/** Repeated OAuth parameters are an error (RFC 6749 §3.1), not a choice of the first or last. */
function singleParam(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new OAuthError('invalid_request', `${name} is repeated`);
  return values[0];
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw new OAuthError('invalid_request', 'request body too large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
