import { createHash } from 'node:crypto';

/** Who signs in when the login request names nobody. Not an admin: admins must be asked for. */
export const DEFAULT_LOCAL_USER_EMAIL = 'local.user@example.com';

const MAX_EMAIL_LENGTH = 254;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isPlausibleEmail(email: string): boolean {
  return email.length <= MAX_EMAIL_LENGTH && EMAIL_SHAPE.test(email);
}

/**
 * Google's `sub` is a decimal string of about 21 digits that never changes for an account.
 * Deriving it from the email alone (not from the run's key or a counter) keeps the same person
 * the same user across provider restarts, test runs and machines.
 */
export function subjectForEmail(email: string): string {
  const digest = createHash('sha256').update(`reelguard-local-oidc:sub:${normalizeEmail(email)}`).digest();
  const twentyDigits = (digest.readBigUInt64BE(0) * 10_000n + BigInt(digest.readUInt16BE(8))) % 10n ** 20n;
  return `1${twentyDigits.toString().padStart(20, '0')}`;
}

/** "ada.lovelace@example.com" → "Ada Lovelace": enough of a profile for screens and logs. */
export function displayNameForEmail(email: string): string {
  const local = normalizeEmail(email).split('@')[0] ?? '';
  return local
    .split(/[._+-]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join(' ');
}
