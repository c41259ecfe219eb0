import { randomBytes } from 'node:crypto';

export interface LocalUser {
  sub: string;
  email: string;
  name: string;
}

export interface AuthorizationGrant {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  nonce: string | undefined;
  user: LocalUser;
}

interface StoredGrant {
  grant: AuthorizationGrant;
  expiresAtMs: number;
  /** Set once redeemed; kept until expiry so a second redemption is recognized as a replay. */
  redeemed: boolean;
}

export type RedeemOutcome =
  | { kind: 'granted'; grant: AuthorizationGrant }
  | { kind: 'unknown' }
  | { kind: 'expired' }
  | { kind: 'replayed' };

/**
 * One-time authorization codes. Redemption consumes a code whatever happens next, as RFC 6749
 * §4.1.2 asks: a code that failed PKCE once must not be guessable again with another verifier.
 */
export class AuthorizationCodeStore {
  private readonly grants = new Map<string, StoredGrant>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly maxOutstanding: number,
  ) {}

  issue(grant: AuthorizationGrant, nowMs: number): string {
    this.dropExpired(nowMs);
    // Map iteration is insertion order, so the first key is the oldest outstanding code.
    while (this.grants.size >= this.maxOutstanding) {
      const oldest = this.grants.keys().next().value;
      if (oldest === undefined) break;
      this.grants.delete(oldest);
    }
    const code = randomBytes(32).toString('base64url');
    this.grants.set(code, { grant, expiresAtMs: nowMs + this.lifetimeMs, redeemed: false });
    return code;
  }

  redeem(code: string, nowMs: number): RedeemOutcome {
    const stored = this.grants.get(code);
    if (!stored) return { kind: 'unknown' };
    if (stored.redeemed) return { kind: 'replayed' };
    stored.redeemed = true;
    if (nowMs >= stored.expiresAtMs) return { kind: 'expired' };
    return { kind: 'granted', grant: stored.grant };
  }

  clear(): void {
    this.grants.clear();
  }

  private dropExpired(nowMs: number): void {
    for (const [code, stored] of this.grants) {
      if (nowMs >= stored.expiresAtMs) this.grants.delete(code);
    }
  }
}
