import { serializeCookie } from './cookies';

/**
 * Cookie names and flags follow the public base URL: on https the `__Host-` prefix (Secure,
 * Path=/, no Domain — the browser enforces it); plain names without Secure only for
 * http://localhost, where browsers would drop Secure cookies.
 */
export interface CookiePolicy {
  sessionName: string;
  loginName: string;
  secure: boolean;
  session(value: string, maxAgeSeconds: number): string;
  clearSession(): string;
  login(value: string, maxAgeSeconds: number): string;
  clearLogin(): string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function cookiePolicyFor(publicBaseUrl: string): CookiePolicy {
  const url = new URL(publicBaseUrl);
  const secure = url.protocol === 'https:';
  if (!secure && !LOOPBACK.has(url.hostname)) {
    throw new Error(`PUBLIC_BASE_URL must be https unless it is localhost (got ${url.origin})`);
  }
  const sessionName = secure ? '__Host-sid' : 'sid';
  const loginName = secure ? '__Host-login' : 'login';
  return {
    sessionName,
    loginName,
    secure,
    session: (value, maxAgeSeconds) => serializeCookie(sessionName, value, { secure, sameSite: 'Lax', maxAgeSeconds }),
    clearSession: () => serializeCookie(sessionName, '', { secure, sameSite: 'Lax', maxAgeSeconds: 0 }),
    // Lax, not Strict: the browser comes back to /auth/callback by a top-level redirect from the provider.
    login: (value, maxAgeSeconds) => serializeCookie(loginName, value, { secure, sameSite: 'Lax', maxAgeSeconds }),
    clearLogin: () => serializeCookie(loginName, '', { secure, sameSite: 'Lax', maxAgeSeconds: 0 }),
  };
}
