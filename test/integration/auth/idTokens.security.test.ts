import { createGoogleIdentityProvider, googleSignInOptions, localOidcSignInOptions } from '../../../functions/src/adapters/google-oauth';
import { startLocalOidc, withTamperedPayload, type LocalOidc } from '../../../scripts/local-oidc';
import { refusal, startSignInHarness, type SignInHarness } from './signInHarness';

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('bearer ID tokens', () => {
  let harness: SignInHarness;
  let oidc: LocalOidc;
  beforeAll(async () => {
    harness = await startSignInHarness();
    oidc = harness.oidc;
  });
  afterAll(() => harness.stop());

  const refusedBecause = async (token: string) => {
    const refused = await refusal(harness.identity.verifyBearerIdToken(token));
    expect(refused.code).toBe('UNAUTHENTICATED');
    // Whatever the library said, neither the token nor its claims reach the message or details.
    expect(refused.message).toBe('the ID token is not valid');
    expect(JSON.stringify(refused.details)).not.toMatch(/@|eyJ/);
    return (refused.details as { reason: string }).reason;
  };

  it('accepts a token the provider signed for our client id', async () => {
    await expect(harness.identity.verifyBearerIdToken(oidc.signIdToken({ email: 'bob@example.com' }))).resolves.toEqual({
      sub: oidc.subjectForEmail('bob@example.com'),
      email: 'bob@example.com',
      emailVerified: true,
      name: 'Bob',
    });
  });

  it('reports an unverified email as such, for callers that decide by email', async () => {
    const identity = await harness.identity.verifyBearerIdToken(oidc.signIdToken({ email: 'new@example.com', email_verified: false }));
    expect(identity.emailVerified).toBe(false);
  });

  it('refuses a token whose payload was changed under the original signature', async () => {
    const token = oidc.signIdToken({ email: 'bob@example.com' });
    const forged = withTamperedPayload(token, { email: 'admin@example.com', sub: oidc.subjectForEmail('admin@example.com') });
    expect(await refusedBecause(forged)).toBe('signature');
  });

  it('refuses a token for another audience', async () => {
    expect(await refusedBecause(oidc.signIdToken({ aud: 'some-other-client.apps.googleusercontent.com' }))).toBe('audience');
  });

  it('refuses an expired token once past the five minutes of clock skew the library allows', async () => {
    const iat = nowSeconds() - 3600;
    expect(await refusedBecause(oidc.signIdToken({ iat, exp: nowSeconds() - 301 }))).toBe('expired');
    // Pinned library behaviour, not a choice of ours: a token one minute past exp still passes.
    await expect(harness.identity.verifyBearerIdToken(oidc.signIdToken({ iat, exp: nowSeconds() - 60 }))).resolves.toBeDefined();
  });

  it('refuses a token issued in the future or living longer than a day', async () => {
    expect(await refusedBecause(oidc.signIdToken({ iat: nowSeconds() + 900, exp: nowSeconds() + 4500 }))).toBe('not_yet_valid');
    expect(await refusedBecause(oidc.signIdToken({}, { lifetimeSeconds: 2 * 86400 }))).toBe('lifetime_too_long');
  });

  it('refuses a token from another issuer, even a real Google one', async () => {
    expect(await refusedBecause(oidc.signIdToken({ iss: 'https://accounts.google.com' }))).toBe('issuer');
    expect(await refusedBecause(oidc.signIdToken({ iss: 'googleapis.com' }))).toBe('issuer');
  });

  it('refuses a token signed by a key the provider does not publish, or by an earlier run', async () => {
    expect(await refusedBecause(oidc.signIdToken({}, { signedWith: 'unpublished' }))).toBe('signature');
    expect(await refusedBecause(oidc.signIdToken({}, { header: { kid: 'retired-key' } }))).toBe('unknown_key');
    const earlierRun = await startLocalOidc({ issuer: oidc.issuer });
    try {
      expect(await refusedBecause(earlierRun.signIdToken())).toBe('unknown_key');
    } finally {
      await earlierRun.stop();
    }
  });

  it('refuses tokens without the claims an identity needs', async () => {
    expect(await refusedBecause(oidc.signIdToken({ sub: undefined }))).toBe('claims');
    expect(await refusedBecause(oidc.signIdToken({ email: undefined }))).toBe('claims');
    expect(await refusedBecause(oidc.signIdToken({ exp: undefined }))).toBe('claims');
    expect(await refusedBecause(oidc.signIdToken({ sub: '' }))).toBe('claims');
  });

  it('refuses anything that is not an RS256 compact JWS', async () => {
    const token = oidc.signIdToken();
    const [, payload] = token.split('.');
    const header = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    expect(await refusedBecause(`${header({ alg: 'none', kid: oidc.kid })}.${payload}.`)).toBe('malformed');
    expect(await refusedBecause(`${header({ alg: 'none', kid: oidc.kid })}.${payload}.AAAA`)).toBe('unsupported_algorithm');
    expect(await refusedBecause(`${header({ alg: 'HS256', kid: oidc.kid })}.${payload}.AAAA`)).toBe('unsupported_algorithm');
    for (const junk of ['', 'abc', 'a.b', `${token}.extra`, `${token.slice(0, -4)}+/==`, 'x'.repeat(9000) + '.a.b', 'bm90LWpzb24.e30.AAAA']) {
      expect(await refusedBecause(junk)).toBe('malformed');
    }
  });

  it('answers UPSTREAM_UNAVAILABLE, retryable, when the signing keys cannot be fetched', async () => {
    const unreachable = createGoogleIdentityProvider(
      localOidcSignInOptions({ issuer: 'http://127.0.0.1:1', clientId: oidc.clientId, clientSecret: oidc.clientSecret }),
    );
    const refused = await refusal(unreachable.verifyBearerIdToken(oidc.signIdToken()));
    expect(refused.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(refused.retryable).toBe(true);
  });

  it('accepts only Google’s issuers and endpoints in production options', () => {
    const options = googleSignInOptions({ clientId: 'id.apps.googleusercontent.com', clientSecret: 's' });
    expect(options.issuers).toEqual(['accounts.google.com', 'https://accounts.google.com']);
    expect(options.endpoints.pemCertsUrl).toBe('https://www.googleapis.com/oauth2/v1/certs');
  });
});

describe('Cloud Scheduler OIDC tokens', () => {
  const schedulerEmail = 'scheduler@reelguard-prod.iam.gserviceaccount.com';
  const audience = 'https://europe-west1-reelguard-prod.cloudfunctions.net/sweeper';
  let harness: SignInHarness;
  let oidc: LocalOidc;
  beforeAll(async () => {
    harness = await startSignInHarness();
    oidc = harness.oidc;
  });
  afterAll(() => harness.stop());

  const verify = (token: string) => harness.identity.verifySchedulerToken(token, { audience, allowedEmails: [schedulerEmail] });

  it('accepts the scheduler service account calling this function', async () => {
    await expect(verify(oidc.signSchedulerToken({ serviceAccountEmail: schedulerEmail, audience }))).resolves.toEqual({ email: schedulerEmail });
    const upperCaseList = harness.identity.verifySchedulerToken(oidc.signSchedulerToken({ serviceAccountEmail: schedulerEmail, audience }), {
      audience,
      allowedEmails: [schedulerEmail.toUpperCase()],
    });
    await expect(upperCaseList).resolves.toEqual({ email: schedulerEmail });
  });

  it('forbids a valid token from another service account', async () => {
    const refused = await refusal(verify(oidc.signSchedulerToken({ serviceAccountEmail: 'intruder@other-project.iam.gserviceaccount.com', audience })));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).not.toContain('intruder');
  });

  it('refuses a token minted for another audience, including a sign-in token for our client id', async () => {
    const otherFunction = await refusal(verify(oidc.signSchedulerToken({ serviceAccountEmail: schedulerEmail, audience: `${audience}-other` })));
    expect(otherFunction.code).toBe('UNAUTHENTICATED');
    expect(otherFunction.details).toEqual({ reason: 'audience' });
    const userToken = await refusal(verify(oidc.signIdToken({ email: schedulerEmail })));
    expect(userToken.details).toEqual({ reason: 'audience' });
  });

  it('refuses an unverified email and a tampered or expired token', async () => {
    const unverified = await refusal(verify(oidc.signSchedulerToken({ serviceAccountEmail: schedulerEmail, audience }, { email_verified: false })));
    expect(unverified.details).toEqual({ reason: 'email_unverified' });
    const intruderToken = oidc.signSchedulerToken({ serviceAccountEmail: 'intruder@other-project.iam.gserviceaccount.com', audience });
    const tampered = await refusal(verify(withTamperedPayload(intruderToken, { email: schedulerEmail })));
    expect(tampered.details).toEqual({ reason: 'signature' });
    const expired = await refusal(verify(oidc.signSchedulerToken({ serviceAccountEmail: schedulerEmail, audience }, { iat: nowSeconds() - 4000, exp: nowSeconds() - 400 })));
    expect(expired.details).toEqual({ reason: 'expired' });
  });

  it('will not run without an audience or an allow-list: that is a configuration bug', async () => {
    const token = oidc.signSchedulerToken({ serviceAccountEmail: schedulerEmail, audience });
    await expect(harness.identity.verifySchedulerToken(token, { audience, allowedEmails: [] })).rejects.toThrow(/invariant/);
    await expect(harness.identity.verifySchedulerToken(token, { audience: '', allowedEmails: [schedulerEmail] })).rejects.toThrow(/invariant/);
  });
});
