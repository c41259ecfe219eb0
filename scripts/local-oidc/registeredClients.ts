import { timingSafeEqual } from 'node:crypto';

export interface LocalOidcClient {
  clientId: string;
  clientSecret: string;
  /**
   * Exact redirect URIs this client may use, as in Google's console. When absent, any http(s)
   * URL on a loopback host is allowed, so the API can run on whatever port it likes; the
   * provider still never redirects a browser off this machine.
   */
  redirectUris?: readonly string[];
}

export const DEFAULT_LOCAL_CLIENT: LocalOidcClient = {
  clientId: 'reelguard-local.apps.googleusercontent.com',
  clientSecret: 'reelguard-local-secret',
};

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_REDIRECT_URI_LENGTH = 2048;

export function isAllowedRedirectUri(client: LocalOidcClient, redirectUri: string): boolean {
  if (redirectUri.length > MAX_REDIRECT_URI_LENGTH) return false;
  if (client.redirectUris) return client.redirectUris.includes(redirectUri);
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  // RFC 6749 §3.1.2: a redirection endpoint must not include a fragment.
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname) && url.hash === '';
}

export function secretMatches(client: LocalOidcClient, presentedSecret: string): boolean {
  const expected = Buffer.from(client.clientSecret);
  const presented = Buffer.from(presentedSecret);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}
