import { createHash, generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  /** SPKI PEM: what node:crypto (and so google-auth-library's PEM path) verifies with. */
  publicKeyPem: string;
  publicJwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
}

/**
 * A fresh RSA key per provider start: tokens from an earlier run must not verify, just as
 * Google's rotated-out keys stop verifying. The kid is the RFC 7638 thumbprint, so it names the
 * key itself and never collides across runs.
 */
export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const thumbprintInput = JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  const kid = createHash('sha256').update(thumbprintInput).digest('base64url');
  return {
    kid,
    privateKey,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicJwk: { kty: jwk.kty, n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' },
  };
}
