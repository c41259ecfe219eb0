import type { Firestore } from '@google-cloud/firestore';
import { TRANSACTION_MAX_ATTEMPTS } from '../adapters/firestore/client';
import { accountRef } from '../adapters/firestore/refs';
import type { Consent } from '../domain/account';
import { DomainError } from '../domain/errors';
import { currentPriceBook, type PriceBook } from '../domain/priceBook';
import type { Logger } from '../logger';

/**
 * Records that the customer saw the current prices and agreed to pay up to `maxMicrosPerVideo`
 * per video. Consent names the price book version: a new price book needs new consent.
 */
export async function recordConsent(
  deps: { db: Firestore; priceBooks: readonly PriceBook[] },
  input: { accountId: string; priceBookVersion: string; maxMicrosPerVideo: number; allowCheaperModel: boolean; nowMs: number },
  log: Logger,
): Promise<Consent> {
  const current = currentPriceBook(deps.priceBooks, input.nowMs);
  if (input.priceBookVersion !== current.version) {
    throw new DomainError('VALIDATION_FAILED', `Consent must be given to the current price book ${current.version}.`, {
      details: { field: 'priceBookVersion', currentPriceBookVersion: current.version },
    });
  }
  const consent: Consent = {
    priceBookVersion: current.version,
    maxMicrosPerVideo: input.maxMicrosPerVideo,
    allowCheaperModel: input.allowCheaperModel,
    atMs: input.nowMs,
  };
  const ref = accountRef(deps.db, input.accountId);
  await deps.db.runTransaction(
    async (tx) => {
      if (!(await tx.get(ref)).exists) throw new DomainError('NOT_FOUND', 'Account not found.');
      tx.update(ref, { consent, updatedAtMs: input.nowMs });
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
  log.notice('consent recorded', { accountId: input.accountId, consent });
  return consent;
}
