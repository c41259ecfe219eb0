import type { Firestore } from '@google-cloud/firestore';
import { randomUUID } from 'node:crypto';
import { checkAccountInvariants } from '../../functions/src/adapters/firestore/ledgerInvariants';
import { accountRef, entriesOf, generationsCollection } from '../../functions/src/adapters/firestore/refs';
import { reserveGeneration, type ReserveInput } from '../../functions/src/adapters/firestore/reserveGeneration';
import { priceBookNow, TEST_NOW_MS } from './firestore';
import { fastRequest } from './requests';

export function reserveInput(accountId: string, overrides: Partial<ReserveInput> = {}): ReserveInput {
  return {
    accountId,
    idempotencyKey: randomUUID(),
    request: fastRequest(),
    priceBook: priceBookNow(),
    nowMs: TEST_NOW_MS,
    holdTtlMs: 3_600_000,
    source: 'api',
    trace: null,
    actor: `account:${accountId}`,
    ...overrides,
  };
}

export function reserve(db: Firestore, accountId: string, overrides: Partial<ReserveInput> = {}) {
  return reserveGeneration(db, reserveInput(accountId, overrides));
}

/** Everything a test asserts about money: totals, entries by kind, generations, invariant violations. */
export async function ledgerSnapshot(db: Firestore, accountId: string) {
  const [account, entries, generations, violations] = await Promise.all([
    accountRef(db, accountId).get(),
    entriesOf(db, accountId).get(),
    generationsCollection(db).where('accountId', '==', accountId).get(),
    checkAccountInvariants(db, accountId),
  ]);
  const byKind: Record<string, number> = {};
  for (const doc of entries.docs) byKind[doc.data().kind] = (byKind[doc.data().kind] ?? 0) + 1;
  return {
    account: account.data()!,
    entryCount: entries.size,
    entriesByKind: byKind,
    generations: generations.docs.map((d) => ({ id: d.id, ...d.data() })),
    violations,
  };
}

/** Outcome of many concurrent calls: counts by error code (or 'ok'). */
export async function settleAll<T>(promises: Promise<T>[]): Promise<{ ok: T[]; errors: Record<string, number> }> {
  const results = await Promise.allSettled(promises);
  const ok: T[] = [];
  const errors: Record<string, number> = {};
  for (const r of results) {
    if (r.status === 'fulfilled') ok.push(r.value);
    else {
      const code = (r.reason as { code?: unknown })?.code;
      const key = typeof code === 'string' ? code : String(r.reason);
      errors[key] = (errors[key] ?? 0) + 1;
    }
  }
  return { ok, errors };
}
