import { z } from 'zod';
import { saveLoginAttempt } from '../../adapters/firestore/sessions';
import { defineRoute } from '../route';

export const LOGIN_ATTEMPT_TTL_MS = 10 * 60_000;

/** Only paths on this site: an absolute or protocol-relative return_to would be an open redirect. */
export const returnToField = z
  .string()
  .max(512)
  .regex(/^\/(?![/\\])[^\s]*$/, 'must be a path on this site, e.g. /v1/me')
  .default('/v1/me');

export const authLogin = defineRoute({
  method: 'GET',
  path: '/auth/login',
  access: 'public',
  summary: 'Start Google sign-in (authorization code + PKCE S256 + state + nonce): redirects to the provider.',
  query: z.object({
    return_to: returnToField,
    login_hint: z.string().max(320).optional(),
  }),
  response: { status: 302, description: 'redirect to the OpenID provider' },
  async handler({ query, deps, nowMs, log }) {
    const request = await deps.identity.createAuthorizationRequest({
      redirectUri: `${deps.config.publicBaseUrl}/auth/callback`,
      ...(query.login_hint ? { loginHint: query.login_hint } : {}),
    });
    // PKCE verifier and nonce stay on the server; the browser only carries the state, in a cookie
    // that binds the callback to the browser that started the sign-in.
    await saveLoginAttempt(deps.db, request.state, {
      nonce: request.nonce,
      codeVerifier: request.codeVerifier,
      returnTo: query.return_to,
      createdAtMs: nowMs,
      expiresAtMs: nowMs + LOGIN_ATTEMPT_TTL_MS,
    });
    log.info('sign-in started');
    return {
      status: 302,
      headers: { Location: request.url, 'Set-Cookie': deps.cookies.login(request.state, LOGIN_ATTEMPT_TTL_MS / 1000) },
    };
  },
});
