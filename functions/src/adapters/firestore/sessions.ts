import type { Firestore } from '@google-cloud/firestore';
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { COLLECTIONS } from './collections';
import { TRANSACTION_MAX_ATTEMPTS } from './client';
import { converter } from './schemas';

/**
 * Server-side sessions. The cookie carries a random 256-bit id; Firestore keeps only its SHA-256,
 * so a leaked database export cannot be replayed as cookies.
 */
const sessionDocSchema = z.object({
  accountId: z.string(),
  sub: z.string(),
  email: z.string(),
  emailVerified: z.boolean(),
  createdAtMs: z.number().int(),
  lastSeenAtMs: z.number().int(),
  expiresAtMs: z.number().int(),
  revokedAtMs: z.number().int().nullable(),
});
export type SessionDoc = z.infer<typeof sessionDocSchema>;

const loginAttemptSchema = z.object({
  nonce: z.string(),
  codeVerifier: z.string(),
  returnTo: z.string(),
  createdAtMs: z.number().int(),
  expiresAtMs: z.number().int(),
});
export type LoginAttemptDoc = z.infer<typeof loginAttemptSchema>;

const sessionConverter = converter(sessionDocSchema);
const loginAttemptConverter = converter(loginAttemptSchema);

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

const sessionRef = (db: Firestore, sid: string) => db.collection(COLLECTIONS.sessions).doc(hashSecret(sid)).withConverter(sessionConverter);
const loginAttemptRef = (db: Firestore, state: string) =>
  db.collection(COLLECTIONS.loginAttempts).doc(hashSecret(state)).withConverter(loginAttemptConverter);

/** A session id looks like what newSecret makes; anything else is not even looked up. */
const SESSION_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export async function createSession(
  db: Firestore,
  input: { accountId: string; sub: string; email: string; emailVerified: boolean; nowMs: number; maxAgeMs: number },
): Promise<{ sid: string; session: SessionDoc }> {
  const sid = newSecret();
  const session: SessionDoc = {
    accountId: input.accountId,
    sub: input.sub,
    email: input.email,
    emailVerified: input.emailVerified,
    createdAtMs: input.nowMs,
    lastSeenAtMs: input.nowMs,
    expiresAtMs: input.nowMs + input.maxAgeMs,
    revokedAtMs: null,
  };
  await sessionRef(db, sid).create(session);
  return { sid, session };
}

/** How often lastSeen is refreshed: idle expiry needs minutes of precision, not a write per request. */
const TOUCH_INTERVAL_MS = 60_000;

/** The live session for a cookie value, or null when unknown, revoked, idle too long or past its absolute expiry. */
export async function findSession(db: Firestore, sid: string, input: { nowMs: number; idleMs: number }): Promise<SessionDoc | null> {
  if (!SESSION_ID_PATTERN.test(sid)) return null;
  const ref = sessionRef(db, sid);
  const session = (await ref.get()).data();
  if (!session || session.revokedAtMs !== null) return null;
  if (input.nowMs >= session.expiresAtMs || input.nowMs - session.lastSeenAtMs >= input.idleMs) return null;
  if (input.nowMs - session.lastSeenAtMs >= TOUCH_INTERVAL_MS) {
    await ref.update({ lastSeenAtMs: input.nowMs });
    return { ...session, lastSeenAtMs: input.nowMs };
  }
  return session;
}

export async function revokeSession(db: Firestore, sid: string, nowMs: number): Promise<void> {
  if (!SESSION_ID_PATTERN.test(sid)) return;
  const ref = sessionRef(db, sid);
  await db.runTransaction(async (tx) => {
    const session = (await tx.get(ref)).data();
    if (session && session.revokedAtMs === null) tx.update(ref, { revokedAtMs: nowMs });
  });
}

export async function saveLoginAttempt(db: Firestore, state: string, attempt: LoginAttemptDoc): Promise<void> {
  await loginAttemptRef(db, state).create(attempt);
}

/**
 * Redeems a sign-in attempt exactly once: the document is deleted in the same transaction that
 * reads it, so a replayed callback (same state) finds nothing.
 */
export async function takeLoginAttempt(db: Firestore, state: string, nowMs: number): Promise<LoginAttemptDoc | null> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(state)) return null;
  const ref = loginAttemptRef(db, state);
  return db.runTransaction(
    async (tx) => {
      const attempt = (await tx.get(ref)).data();
      if (!attempt) return null;
      tx.delete(ref);
      return attempt.expiresAtMs > nowMs ? attempt : null;
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}
