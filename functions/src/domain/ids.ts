import { createHash } from 'node:crypto';

/**
 * Deterministic ids: a retried request or a replayed step derives the same id and finds the
 * document it wrote the first time instead of writing a second one.
 */
function digest(parts: readonly string[], length: number): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return hash.digest('base64url').replace(/[-_]/g, '').slice(0, length);
}

/** One account per Google `sub`. The id does not reveal the sub. */
export function accountIdForSubject(sub: string): string {
  return `a_${digest(['account', sub], 22)}`;
}

/** One generation per account and Idempotency-Key: the generation doc is the idempotency record. */
export function generationIdFor(accountId: string, idempotencyKey: string): string {
  return `g_${digest(['generation', accountId, idempotencyKey], 26)}`;
}

/** Stable hash of a JSON value regardless of key order: tells "same request" from "same key, other body". */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
