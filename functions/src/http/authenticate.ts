import type { Request } from '@google-cloud/functions-framework';
import { ensureAccount } from '../adapters/firestore/accounts';
import { accountRef } from '../adapters/firestore/refs';
import { findSession } from '../adapters/firestore/sessions';
import { DomainError } from '../domain/errors';
import { accountIdForSubject } from '../domain/ids';
import type { VerifiedIdentity } from '../ports/identityProvider';
import type { ApiDeps } from './apiDeps';
import { parseCookies } from './cookies';
import type { Principal } from './route';

export function isAdminEmail(deps: ApiDeps, email: string, emailVerified: boolean): boolean {
  return emailVerified && deps.config.adminEmails.includes(email.toLowerCase());
}

/** First sign-in creates the account with the configured default limits; later ones find it. */
export async function accountForIdentity(deps: ApiDeps, identity: VerifiedIdentity, nowMs: number): Promise<string> {
  const accountId = accountIdForSubject(identity.sub);
  // Bearer clients authenticate every request: a plain read finds the account without a transaction.
  if ((await accountRef(deps.db, accountId).get()).exists) return accountId;
  await ensureAccount(deps.db, {
    accountId,
    ownerUid: identity.sub,
    email: identity.email,
    plan: 'starter',
    billingMode: 'payg',
    limits: deps.config.defaultLimits,
    nowMs,
  });
  return accountId;
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The caller, from `Authorization: Bearer <Google ID token>` or the session cookie, or null.
 * A cookie-authenticated unsafe request must come from an allowed Origin: the browser attaches
 * cookies to cross-site form posts, so without this check another site could spend a
 * customer's money.
 */
export async function authenticate(req: Request, deps: ApiDeps, nowMs: number): Promise<Principal | null> {
  const authorization = req.get('authorization');
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new DomainError('UNAUTHENTICATED', 'Authorization must be "Bearer <ID token>".');
    const identity = await deps.identity.verifyBearerIdToken(match[1]!);
    const accountId = await accountForIdentity(deps, identity, nowMs);
    return { accountId, sub: identity.sub, email: identity.email, emailVerified: identity.emailVerified, isAdmin: isAdminEmail(deps, identity.email, identity.emailVerified), via: 'bearer' };
  }
  const sid = parseCookies(req.get('cookie')).get(deps.cookies.sessionName);
  if (!sid) return null;
  if (UNSAFE_METHODS.has(req.method)) {
    const origin = req.get('origin');
    if (!origin || !deps.config.allowedOrigins.includes(origin)) {
      throw new DomainError('FORBIDDEN', 'Cross-origin request refused: send an Origin header from an allowed origin.');
    }
  }
  const session = await findSession(deps.db, sid, { nowMs, idleMs: deps.config.session.idleMs });
  if (!session) return null;
  return {
    accountId: session.accountId,
    sub: session.sub,
    email: session.email,
    emailVerified: session.emailVerified,
    isAdmin: isAdminEmail(deps, session.email, session.emailVerified),
    via: 'session',
  };
}
