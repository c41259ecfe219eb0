import { createSign, type KeyObject } from 'node:crypto';

/** A JWT in compact serialization, signed RS256 by hand so the provider needs no JOSE library. */
export type JwtHeader = Record<string, unknown>;
export type JwtPayload = Record<string, unknown>;

function encodeSegment(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeSegment(segment: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('JWT segment is not a JSON object');
  }
  return value as Record<string, unknown>;
}

export function signCompactJwt(header: JwtHeader, payload: JwtPayload, privateKey: KeyObject): string {
  const signingInput = `${encodeSegment({ alg: 'RS256', typ: 'JWT', ...header })}.${encodeSegment(payload)}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(privateKey).toString('base64url');
  return `${signingInput}.${signature}`;
}

function splitCompactJwt(token: string): [string, string, string] {
  const segments = token.split('.');
  if (segments.length !== 3) throw new Error('not a compact JWT');
  return segments as [string, string, string];
}

/** Reads a token without verifying it: for tests that inspect what the provider issued. */
export function decodeCompactJwt(token: string): { header: JwtHeader; payload: JwtPayload } {
  const [header, payload] = splitCompactJwt(token);
  return { header: decodeSegment(header), payload: decodeSegment(payload) };
}

/**
 * The classic forgery: new claims under the original signature. A verifier that accepts the
 * result does not check signatures over the bytes it reads.
 */
export function withTamperedPayload(token: string, changes: JwtPayload): string {
  const [header, payload, signature] = splitCompactJwt(token);
  return `${header}.${encodeSegment({ ...decodeSegment(payload), ...changes })}.${signature}`;
}
