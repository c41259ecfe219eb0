import type { Firestore } from '@google-cloud/firestore';
import { periodKeyOf, type AccountLimits, type BillingMode } from '../../domain/account';
import { TRANSACTION_MAX_ATTEMPTS } from './client';
import { accountRef } from './refs';
import type { AccountDoc } from './schemas';

export interface NewAccount {
  accountId: string;
  ownerUid: string;
  email: string;
  plan: string;
  billingMode: BillingMode;
  limits: AccountLimits;
  nowMs: number;
}

/**
 * Creates the account on first sign-in, or returns the one that exists. Two first requests racing
 * for the same person create it once.
 */
export async function ensureAccount(db: Firestore, input: NewAccount): Promise<{ account: AccountDoc; created: boolean }> {
  const ref = accountRef(db, input.accountId);
  return db.runTransaction(
    async (tx) => {
      const existing = (await tx.get(ref)).data();
      if (existing) return { account: existing, created: false };
      const account: AccountDoc = {
        ownerUid: input.ownerUid,
        email: input.email,
        plan: input.plan,
        billingMode: input.billingMode,
        limits: input.limits,
        periodKey: periodKeyOf(input.nowMs),
        spentMicros: 0,
        heldMicros: 0,
        creditMicros: 0,
        recentStartsMs: [],
        inFlight: 0,
        consent: null,
        createdAtMs: input.nowMs,
        updatedAtMs: input.nowMs,
      };
      tx.create(ref, account);
      return { account, created: true };
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}
