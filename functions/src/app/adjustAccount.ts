import type { Firestore } from '@google-cloud/firestore';
import { TRANSACTION_MAX_ATTEMPTS } from '../adapters/firestore/client';
import { COLLECTIONS } from '../adapters/firestore/collections';
import { accountMoneyFields, accountRef, entryRef, getAllInTransaction, toAccountState } from '../adapters/firestore/refs';
import type { AccountDoc } from '../adapters/firestore/schemas';
import type { AccountLimits, BillingMode } from '../domain/account';
import { DomainError } from '../domain/errors';
import { adjustCredit, rollPeriod } from '../domain/ledger';
import type { Logger } from '../logger';

export interface AccountAdjustment {
  accountId: string;
  limits?: Partial<AccountLimits>;
  plan?: string;
  billingMode?: BillingMode;
  creditDeltaMicros?: number;
  reason: string;
  actor: string;
  /** Derived from the admin's Idempotency-Key: a retried PATCH applies once. */
  requestId: string;
  nowMs: number;
}

/**
 * An operator's change to an account's limits, plan or prepaid credit, with an audit record of
 * before and after written in the same transaction. Credit changes go through a ledger entry.
 * Changes that would break a ledger invariant (a cap below what is already committed, credit
 * below what is held) are refused rather than applied.
 */
export async function adjustAccount(db: Firestore, input: AccountAdjustment, log: Logger): Promise<{ account: AccountDoc; applied: boolean }> {
  const ref = accountRef(db, input.accountId);
  const auditRef = db.collection(COLLECTIONS.adminAudit).doc(`account-${input.accountId}-${input.requestId}`);
  const creditEntryId = `adjust-${input.requestId}`;
  const result = await db.runTransaction(
    async (tx) => {
      const [accountSnap, auditSnap] = await getAllInTransaction(tx, ref, auditRef);
      const doc = accountSnap.data();
      if (!doc) throw new DomainError('NOT_FOUND', 'Account not found.');
      if (auditSnap.exists) return { account: doc, applied: false };

      let state = rollPeriod(toAccountState(input.accountId, doc), input.nowMs);
      const limits: AccountLimits = { ...doc.limits, ...input.limits };
      const billingMode = input.billingMode ?? doc.billingMode;
      state = { ...state, limits, billingMode };
      if (limits.monthlyCapMicros < state.spentMicros + state.heldMicros) {
        throw new DomainError('CONFLICT', 'The monthly cap cannot go below what this period already spent and holds.', {
          details: { committedMicros: state.spentMicros + state.heldMicros },
        });
      }
      let entryWritten: string | null = null;
      if (input.creditDeltaMicros) {
        if (state.creditMicros + input.creditDeltaMicros < (billingMode === 'prepaid' ? state.heldMicros : 0)) {
          throw new DomainError('CONFLICT', 'Credit cannot go below what is held (or below zero).', { details: { creditMicros: state.creditMicros, heldMicros: state.heldMicros } });
        }
        const transition = adjustCredit(state, creditEntryId, input.creditDeltaMicros, input.nowMs, input.actor, input.reason);
        state = transition.account;
        const { id, ...entry } = transition.entry;
        tx.create(entryRef(db, input.accountId, id), entry);
        entryWritten = id;
      } else if (billingMode === 'prepaid' && state.creditMicros < state.heldMicros) {
        throw new DomainError('CONFLICT', 'Switching to prepaid needs credit for what is already held.');
      }
      const next: AccountDoc = { ...doc, ...accountMoneyFields(state, input.nowMs), limits, billingMode, plan: input.plan ?? doc.plan };
      tx.set(ref, next);
      tx.create(auditRef, {
        kind: 'account-adjustment',
        accountId: input.accountId,
        actor: input.actor,
        reason: input.reason,
        atMs: input.nowMs,
        before: { limits: doc.limits, plan: doc.plan, billingMode: doc.billingMode, creditMicros: doc.creditMicros },
        after: { limits: next.limits, plan: next.plan, billingMode: next.billingMode, creditMicros: next.creditMicros },
        entryId: entryWritten,
      });
      return { account: next, applied: true };
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
  if (result.applied) log.notice('account adjusted by an operator', { accountId: input.accountId, actor: input.actor, reason: input.reason, change: { limits: input.limits, plan: input.plan, billingMode: input.billingMode, creditDeltaMicros: input.creditDeltaMicros } });
  return result;
}
