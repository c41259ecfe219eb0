import type { Firestore } from '@google-cloud/firestore';
import { DomainError } from '../../domain/errors';
import { credit, rollPeriod } from '../../domain/ledger';
import { TRANSACTION_MAX_ATTEMPTS } from './client';
import { accountMoneyFields, accountRef, entryRef, getAllInTransaction, toAccountState } from './refs';

/**
 * Adds prepaid credit once per external event: `entryId` comes from the payment (e.g. the Stripe
 * event id), so a redelivered event finds its entry and adds nothing.
 */
export async function addCredit(
  db: Firestore,
  input: { accountId: string; entryId: string; amountMicros: number; nowMs: number; actor: string; reason: string },
): Promise<{ creditedNow: boolean; creditMicros: number }> {
  const ref = accountRef(db, input.accountId);
  const creditEntryRef = entryRef(db, input.accountId, input.entryId);
  return db.runTransaction(
    async (tx) => {
      const [accountSnap, entrySnap] = await getAllInTransaction(tx, ref, creditEntryRef);
      const accountDoc = accountSnap.data();
      if (!accountDoc) throw new DomainError('NOT_FOUND', 'Account not found.', { details: { accountId: input.accountId } });
      if (entrySnap.exists) return { creditedNow: false, creditMicros: accountDoc.creditMicros };
      const account = rollPeriod(toAccountState(input.accountId, accountDoc), input.nowMs);
      const transition = credit(account, input.entryId, input.amountMicros, input.nowMs, input.actor, input.reason);
      const { id, ...entry } = transition.entry;
      tx.update(ref, accountMoneyFields(transition.account, input.nowMs));
      tx.create(entryRef(db, input.accountId, id), entry);
      return { creditedNow: true, creditMicros: transition.account.creditMicros };
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}
