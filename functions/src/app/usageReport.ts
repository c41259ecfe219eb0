import type { Firestore } from '@google-cloud/firestore';
import { accountRef, entriesOf } from '../adapters/firestore/refs';
import { periodKeyOf } from '../domain/account';
import { DomainError } from '../domain/errors';

export interface ModelUsage {
  model: string;
  spentMicros: number;
  settledGenerations: number;
  releasedGenerations: number;
}

/** Maximum entries one report reads: a month of a heavy account; beyond it the report says it is partial. */
const MAX_ENTRIES = 20_000;

/**
 * Spend of one calendar month, recomputed from the immutable entries (not from the account
 * counters), so what the customer sees is what the ledger can prove.
 */
export async function usageReport(db: Firestore, input: { accountId: string; periodKey?: string; nowMs: number }) {
  const account = (await accountRef(db, input.accountId).get()).data();
  if (!account) throw new DomainError('NOT_FOUND', 'Account not found.');
  const periodKey = input.periodKey ?? periodKeyOf(input.nowMs);
  const current = periodKey === periodKeyOf(input.nowMs);
  const entries = await entriesOf(db, input.accountId).where('periodKey', '==', periodKey).limit(MAX_ENTRIES).get();
  const byModel = new Map<string, ModelUsage>();
  let spentMicros = 0;
  let creditAddedMicros = 0;
  for (const doc of entries.docs) {
    const e = doc.data();
    spentMicros += e.spentDeltaMicros;
    if (e.creditDeltaMicros > 0) creditAddedMicros += e.creditDeltaMicros;
    if (!e.model) continue;
    const usage = byModel.get(e.model) ?? { model: e.model, spentMicros: 0, settledGenerations: 0, releasedGenerations: 0 };
    usage.spentMicros += e.spentDeltaMicros;
    if (e.kind === 'settle') usage.settledGenerations += 1;
    if (e.kind === 'release' || e.kind === 'expire') usage.releasedGenerations += 1;
    byModel.set(e.model, usage);
  }
  const heldMicros = current ? account.heldMicros : 0;
  return {
    periodKey,
    current,
    spentMicros,
    heldMicros,
    monthlyCapMicros: account.limits.monthlyCapMicros,
    remainingMicros: current ? Math.max(0, account.limits.monthlyCapMicros - spentMicros - heldMicros) : null,
    creditMicros: account.creditMicros,
    creditAddedMicros,
    byModel: [...byModel.values()].sort((a, b) => b.spentMicros - a.spentMicros),
    partial: entries.size >= MAX_ENTRIES,
  };
}
