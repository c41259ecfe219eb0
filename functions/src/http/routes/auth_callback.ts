import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { createSession, revokeSession, takeLoginAttempt } from '../../adapters/firestore/sessions';
import { DomainError } from '../../domain/errors';
import { accountForIdentity } from '../authenticate';
import { parseCookies } from '../cookies';
import { defineRoute } from '../route';

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const invalidState = () => new DomainError('VALIDATION_FAILED', 'This sign-in link is invalid, expired or already used. Start again at /auth/login.');

export const authCallback = defineRoute({
  method: 'GET',
  path: '/auth/callback',
  access: 'public',
  summary: 'OAuth redirect target: checks state, redeems the code with the PKCE verifier, verifies the ID token and nonce, sets the session cookie.',
  query: z.object({
    code: z.string().max(2048).optional(),
    state: z.string().max(256).optional(),
    error: z.string().max(256).optional(),
  }),
  response: { status: 302, description: 'signed in; redirect to return_to' },
  async handler({ req, query, deps, nowMs, log }) {
    const cookies = parseCookies(req.get('cookie'));
    const browserState = cookies.get(deps.cookies.loginName);
    if (!query.state || !browserState || !sameString(query.state, browserState)) {
      log.warn('sign-in callback refused: state does not match this browser');
      throw invalidState();
    }
    // Redeemed once, even when the code exchange below fails: a state is never good twice.
    const attempt = await takeLoginAttempt(deps.db, query.state, nowMs);
    if (!attempt) {
      log.warn('sign-in callback refused: unknown, expired or replayed state');
      throw invalidState();
    }
    if (query.error || !query.code) {
      throw new DomainError('UNAUTHENTICATED', 'Sign-in was not completed at the provider.', { details: { providerError: query.error ?? 'no code' } });
    }
    const identity = await deps.identity.exchangeCode({
      code: query.code,
      codeVerifier: attempt.codeVerifier,
      redirectUri: `${deps.config.publicBaseUrl}/auth/callback`,
      expectedNonce: attempt.nonce,
    });
    const accountId = await accountForIdentity(deps, identity, nowMs);
    // A new session id at every sign-in (no fixation); the browser's previous session ends.
    const previous = cookies.get(deps.cookies.sessionName);
    if (previous) await revokeSession(deps.db, previous, nowMs);
    const { sid } = await createSession(deps.db, {
      accountId,
      sub: identity.sub,
      email: identity.email,
      emailVerified: identity.emailVerified,
      nowMs,
      maxAgeMs: deps.config.session.maxAgeMs,
    });
    log.notice('signed in', { accountId });
    return {
      status: 302,
      headers: {
        Location: attempt.returnTo,
        'Set-Cookie': [deps.cookies.session(sid, deps.config.session.maxAgeMs / 1000), deps.cookies.clearLogin()],
      },
    };
  },
});
