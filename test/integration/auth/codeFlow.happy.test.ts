import { createHash } from 'node:crypto';
import { localOidcSignInOptions } from '../../../functions/src/adapters/google-oauth';
import { DEFAULT_LOCAL_USER_EMAIL, decodeCompactJwt } from '../../../scripts/local-oidc';
import { startSignInHarness, type SignInHarness } from './signInHarness';

describe('sign-in code flow against the local provider', () => {
  let harness: SignInHarness;
  beforeAll(async () => {
    harness = await startSignInHarness();
  });
  afterAll(() => harness.stop());

  it('signs in the person named by login_hint, over HTTP, with PKCE S256, state and nonce', async () => {
    const { request, callbackQuery } = await harness.authorize('alice@example.com');
    const sent = new URL(request.url).searchParams;
    expect(sent.get('response_type')).toBe('code');
    expect(sent.get('client_id')).toBe(harness.oidc.clientId);
    expect(sent.get('redirect_uri')).toBe(harness.redirectUri);
    expect(sent.get('scope')).toBe('openid email profile');
    expect(sent.get('login_hint')).toBe('alice@example.com');
    expect(sent.get('state')).toBe(request.state);
    expect(sent.get('nonce')).toBe(request.nonce);
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('code_challenge')).toBe(createHash('sha256').update(request.codeVerifier).digest('base64url'));
    for (const secret of [request.state, request.nonce, request.codeVerifier]) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    }
    expect(callbackQuery.state).toBe(request.state);

    const identity = await harness.identity.exchangeCode({
      code: callbackQuery.code!,
      codeVerifier: request.codeVerifier,
      redirectUri: harness.redirectUri,
      expectedNonce: request.nonce,
    });
    expect(identity).toEqual({
      sub: harness.oidc.subjectForEmail('alice@example.com'),
      email: 'alice@example.com',
      emailVerified: true,
      name: 'Alice',
    });
    expect(identity.sub).toMatch(/^\d{21}$/);
  });

  it('signs in the fixed test user when no login_hint is given', async () => {
    const { request, code } = await harness.approvedCode();
    const identity = await harness.identity.exchangeCode({
      code,
      codeVerifier: request.codeVerifier,
      redirectUri: harness.redirectUri,
      expectedNonce: request.nonce,
    });
    expect(identity.email).toBe(DEFAULT_LOCAL_USER_EMAIL);
  });

  it('gives every login a fresh state, nonce and verifier', async () => {
    const first = await harness.identity.createAuthorizationRequest({ redirectUri: harness.redirectUri });
    const second = await harness.identity.createAuthorizationRequest({ redirectUri: harness.redirectUri });
    expect(second.state).not.toBe(first.state);
    expect(second.nonce).not.toBe(first.nonce);
    expect(second.codeVerifier).not.toBe(first.codeVerifier);
  });

  it('keeps the same sub for the same person across logins, letter case and provider restarts', async () => {
    const signIn = async (on: SignInHarness, email: string) => {
      const { request, code } = await on.approvedCode(email);
      return on.identity.exchangeCode({ code, codeVerifier: request.codeVerifier, redirectUri: on.redirectUri, expectedNonce: request.nonce });
    };
    const first = await signIn(harness, 'carol@example.com');
    const again = await signIn(harness, 'Carol@Example.COM');
    const other = await signIn(harness, 'dave@example.com');
    const restarted = await startSignInHarness();
    try {
      const afterRestart = await signIn(restarted, 'carol@example.com');
      expect(afterRestart.sub).toBe(first.sub);
    } finally {
      await restarted.stop();
    }
    expect(again.sub).toBe(first.sub);
    expect(again.email).toBe('carol@example.com');
    expect(other.sub).not.toBe(first.sub);
  });

  it('issues ID tokens shaped like Google’s', async () => {
    const { request, code } = await harness.approvedCode('erin@example.com');
    const response = await fetch(harness.oidc.urls.token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: request.codeVerifier,
        redirect_uri: harness.redirectUri,
        client_id: harness.oidc.clientId,
        client_secret: harness.oidc.clientSecret,
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const tokens = (await response.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.any(String) });
    const { header, payload } = decodeCompactJwt(tokens.id_token as string);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: harness.oidc.kid });
    expect(payload).toMatchObject({
      iss: harness.oidc.issuer,
      aud: harness.oidc.clientId,
      azp: harness.oidc.clientId,
      sub: harness.oidc.subjectForEmail('erin@example.com'),
      email: 'erin@example.com',
      email_verified: true,
      name: 'Erin',
      nonce: request.nonce,
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);

    const userinfo = await fetch(harness.oidc.urls.userinfo, { headers: { authorization: `Bearer ${tokens.access_token as string}` } });
    expect(await userinfo.json()).toMatchObject({ email: 'erin@example.com', sub: payload.sub });
  });

  it('serves the endpoints the adapter derives from the issuer', async () => {
    const discovery = (await (await fetch(harness.oidc.urls.discovery)).json()) as Record<string, unknown>;
    const derived = localOidcSignInOptions({ issuer: `${harness.oidc.issuer}/`, clientId: 'x', clientSecret: 'y' });
    expect(discovery.issuer).toBe(harness.oidc.issuer);
    expect(derived.issuers).toEqual([discovery.issuer]);
    expect(derived.endpoints.authorizationUrl).toBe(discovery.authorization_endpoint);
    expect(derived.endpoints.tokenUrl).toBe(discovery.token_endpoint);
    expect(derived.endpoints.pemCertsUrl).toBe(harness.oidc.urls.pemCerts);
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);

    const pems = (await (await fetch(harness.oidc.urls.pemCerts)).json()) as Record<string, string>;
    expect(Object.keys(pems)).toEqual([harness.oidc.kid]);
    expect(pems[harness.oidc.kid]).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const jwks = (await (await fetch(harness.oidc.urls.jwks)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toEqual([expect.objectContaining({ kid: harness.oidc.kid, kty: 'RSA', alg: 'RS256', use: 'sig' })]);
  });
});
