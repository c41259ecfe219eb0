import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGoogleIdentityProvider, localOidcSignInOptions } from '../../../functions/src/adapters/google-oauth';
import { DomainError } from '../../../functions/src/domain/errors';
import type { AuthorizationRequest, IdentityProvider } from '../../../functions/src/ports/identityProvider';
import { startLocalOidc, type LocalOidc, type LocalOidcOptions } from '../../../scripts/local-oidc';

/** Where the browser lands after the provider approves: answers with the query it was given. */
async function startCallbackServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const query = Object.fromEntries(new URL(req.url ?? '/', 'http://127.0.0.1').searchParams);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(query));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/auth/callback`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface SignInHarness {
  oidc: LocalOidc;
  identity: IdentityProvider;
  redirectUri: string;
  /** Starts a login the way /auth/login will, and follows the provider's redirect like a browser. */
  authorize(loginHint?: string): Promise<{ request: AuthorizationRequest; callbackQuery: Record<string, string> }>;
  /** authorize, then the code from the callback. */
  approvedCode(loginHint?: string): Promise<{ request: AuthorizationRequest; code: string }>;
  stop(): Promise<void>;
}

export async function startSignInHarness(options: LocalOidcOptions = {}): Promise<SignInHarness> {
  const oidc = await startLocalOidc(options);
  const callback = await startCallbackServer();
  const identity = createGoogleIdentityProvider(
    localOidcSignInOptions({ issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: oidc.clientSecret }),
  );
  const authorize: SignInHarness['authorize'] = async (loginHint) => {
    const request = await identity.createAuthorizationRequest({
      redirectUri: callback.url,
      ...(loginHint === undefined ? {} : { loginHint }),
    });
    const landed = await fetch(request.url, { redirect: 'follow' });
    expect(landed.url.startsWith(callback.url)).toBe(true);
    return { request, callbackQuery: (await landed.json()) as Record<string, string> };
  };
  return {
    oidc,
    identity,
    redirectUri: callback.url,
    authorize,
    async approvedCode(loginHint) {
      const { request, callbackQuery } = await authorize(loginHint);
      expect(callbackQuery.state).toBe(request.state);
      const code = callbackQuery.code;
      if (code === undefined) throw new Error(`no code in callback: ${JSON.stringify(callbackQuery)}`);
      return { request, code };
    },
    async stop() {
      await Promise.all([oidc.stop(), callback.stop()]);
    },
  };
}

/** The DomainError a refused call threw; fails the test when it succeeded or threw anything else. */
export async function refusal(attempt: Promise<unknown>): Promise<DomainError> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal, but the call succeeded');
}
