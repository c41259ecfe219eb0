import { createGoogleIdentityProvider, localOidcSignInOptions } from '../../../functions/src/adapters/google-oauth';
import { refusal, startSignInHarness, type SignInHarness } from './signInHarness';

describe('sign-in code flow refusals', () => {
  let harness: SignInHarness;
  beforeAll(async () => {
    harness = await startSignInHarness();
  });
  afterAll(() => harness.stop());

  const exchange = (code: string, codeVerifier: string, expectedNonce: string, redirectUri = harness.redirectUri) =>
    harness.identity.exchangeCode({ code, codeVerifier, redirectUri, expectedNonce });

  it('refuses a code redeemed with the wrong PKCE verifier, and burns the code', async () => {
    const { request, code } = await harness.approvedCode('mallory@example.com');
    const wrongVerifier = await harness.identity.createAuthorizationRequest({ redirectUri: harness.redirectUri });
    const refused = await refusal(exchange(code, wrongVerifier.codeVerifier, request.nonce));
    expect(refused.code).toBe('UNAUTHENTICATED');
    expect(refused.details).toEqual({ reason: 'code_refused', providerError: 'invalid_grant' });
    // An attacker who guessed wrong once must not get to try the right verifier on the same code.
    expect((await refusal(exchange(code, request.codeVerifier, request.nonce))).code).toBe('UNAUTHENTICATED');
  });

  it('redeems a code once only', async () => {
    const { request, code } = await harness.approvedCode('alice@example.com');
    await expect(exchange(code, request.codeVerifier, request.nonce)).resolves.toMatchObject({ email: 'alice@example.com' });
    const replayed = await refusal(exchange(code, request.codeVerifier, request.nonce));
    expect(replayed.code).toBe('UNAUTHENTICATED');
    expect(replayed.details).toMatchObject({ reason: 'code_refused', providerError: 'invalid_grant' });
  });

  it('refuses an ID token whose nonce is not the one this login sent', async () => {
    const { request, code } = await harness.approvedCode('alice@example.com');
    const otherLogin = await harness.identity.createAuthorizationRequest({ redirectUri: harness.redirectUri });
    const refused = await refusal(exchange(code, request.codeVerifier, otherLogin.nonce));
    expect(refused.code).toBe('UNAUTHENTICATED');
    expect(refused.details).toEqual({ reason: 'nonce_mismatch' });
  });

  it('refuses a code redeemed for another redirect URI than it was issued to', async () => {
    const { request, code } = await harness.approvedCode('alice@example.com');
    const refused = await refusal(exchange(code, request.codeVerifier, request.nonce, 'http://127.0.0.1:1/elsewhere'));
    expect(refused.code).toBe('UNAUTHENTICATED');
    expect(refused.details).toMatchObject({ providerError: 'invalid_grant' });
  });

  it('refuses a code that is not redeemed in time', async () => {
    const quick = await startSignInHarness({ codeLifetimeSeconds: 0.2 });
    try {
      const { request, code } = await quick.approvedCode('alice@example.com');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const refused = await refusal(quick.identity.exchangeCode({ code, codeVerifier: request.codeVerifier, redirectUri: quick.redirectUri, expectedNonce: request.nonce }));
      expect(refused.details).toMatchObject({ reason: 'code_refused', providerError: 'invalid_grant' });
    } finally {
      await quick.stop();
    }
  });

  it('refuses a code made up by the caller', async () => {
    const login = await harness.identity.createAuthorizationRequest({ redirectUri: harness.redirectUri });
    const refused = await refusal(exchange('4/made-up-code', login.codeVerifier, login.nonce));
    expect(refused.code).toBe('UNAUTHENTICATED');
  });

  it('treats a client secret the provider refuses as our misconfiguration, not the user’s fault', async () => {
    const misconfigured = createGoogleIdentityProvider(
      localOidcSignInOptions({ issuer: harness.oidc.issuer, clientId: harness.oidc.clientId, clientSecret: 'not-the-secret' }),
    );
    const { request, code } = await harness.approvedCode('alice@example.com');
    const refused = await refusal(
      misconfigured.exchangeCode({ code, codeVerifier: request.codeVerifier, redirectUri: harness.redirectUri, expectedNonce: request.nonce }),
    );
    expect(refused.code).toBe('INTERNAL');
    expect(refused.message).not.toContain('not-the-secret');
  });

  it('answers UPSTREAM_UNAVAILABLE, retryable, when the provider is down', async () => {
    const doomed = await startSignInHarness();
    const { request, code } = await doomed.approvedCode('alice@example.com');
    await doomed.oidc.stop();
    try {
      const refused = await refusal(doomed.identity.exchangeCode({ code, codeVerifier: request.codeVerifier, redirectUri: doomed.redirectUri, expectedNonce: request.nonce }));
      expect(refused.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(refused.retryable).toBe(true);
    } finally {
      await doomed.stop();
    }
  });

  it('refuses malformed input before calling the provider, naming fields but not values', async () => {
    const login = await harness.identity.createAuthorizationRequest({ redirectUri: harness.redirectUri });
    const valid = { code: 'some-code', codeVerifier: login.codeVerifier, redirectUri: harness.redirectUri, expectedNonce: login.nonce };
    const cases: Array<[Partial<typeof valid> & Record<string, unknown>, string]> = [
      [{ code: '' }, 'code'],
      [{ code: 'has spaces in it' }, 'code'],
      [{ code: 'x'.repeat(5000) }, 'code'],
      [{ codeVerifier: 'too-short' }, 'codeVerifier'],
      [{ redirectUri: 'javascript:alert(1)' }, 'redirectUri'],
      [{ redirectUri: 'http://127.0.0.1/cb#fragment' }, 'redirectUri'],
      [{ expectedNonce: '' }, 'expectedNonce'],
    ];
    for (const [override, field] of cases) {
      const refused = await refusal(harness.identity.exchangeCode({ ...valid, ...override } as typeof valid));
      expect(refused.code).toBe('VALIDATION_FAILED');
      expect(refused.details).toEqual({ fields: [field] });
      for (const value of Object.values(override)) {
        if (String(value).length > 0) expect(refused.message).not.toContain(String(value));
      }
    }
    for (const input of [{ redirectUri: 'not a url' }, { redirectUri: harness.redirectUri, loginHint: 'not-an-email' }]) {
      expect((await refusal(harness.identity.createAuthorizationRequest(input))).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('local provider endpoints', () => {
  let harness: SignInHarness;
  beforeAll(async () => {
    harness = await startSignInHarness();
  });
  afterAll(() => harness.stop());

  const authorizeUrl = (params: Record<string, string>) => {
    const url = new URL(harness.oidc.urls.authorization);
    const defaults = {
      response_type: 'code',
      client_id: harness.oidc.clientId,
      redirect_uri: harness.redirectUri,
      scope: 'openid email',
      state: 'the-state',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries({ ...defaults, ...params })) if (value !== '') url.searchParams.set(name, value);
    return url;
  };

  it('never redirects to an unregistered or off-machine redirect URI, nor for an unknown client', async () => {
    const cases: Array<Record<string, string>> = [{ redirect_uri: 'https://attacker.example/cb' }, { redirect_uri: '' }, { client_id: 'someone-else' }];
    for (const params of cases) {
      const response = await fetch(authorizeUrl(params), { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
  });

  it('sends protocol errors back to the client with its state', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: '' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ scope: 'email' }, 'invalid_scope'],
      [{ login_hint: 'not-an-email' }, 'invalid_request'],
    ];
    for (const [params, error] of cases) {
      const response = await fetch(authorizeUrl(params), { redirect: 'manual' });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect(location.origin + location.pathname).toBe(harness.redirectUri);
      expect(location.searchParams.get('error')).toBe(error);
      expect(location.searchParams.get('state')).toBe('the-state');
      expect(location.searchParams.get('code')).toBeNull();
    }
  });

  it('authenticates clients by client_secret_basic or client_secret_post, never both, and refuses a wrong secret', async () => {
    const redeem = async (headers: Record<string, string>, body: Record<string, string>) => {
      const { request, code } = await harness.approvedCode('alice@example.com');
      return fetch(harness.oidc.urls.token, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: request.codeVerifier, redirect_uri: harness.redirectUri, ...body }),
      });
    };
    const basic = (secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(harness.oidc.clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
    expect((await redeem({ authorization: basic(harness.oidc.clientSecret) }, {})).status).toBe(200);
    const wrongSecret = await redeem({ authorization: basic('wrong') }, {});
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });
    const both = await redeem({ authorization: basic(harness.oidc.clientSecret) }, { client_secret: harness.oidc.clientSecret });
    expect(both.status).toBe(400);
    const wrongPost = await redeem({}, { client_id: harness.oidc.clientId, client_secret: 'wrong' });
    expect(wrongPost.status).toBe(401);
  });
});
