import { Firestore } from '@google-cloud/firestore';
import { randomUUID } from 'node:crypto';
import type { AccountLimits, BillingMode, Consent } from '../../functions/src/domain/account';
import { accountRef, controlsRef } from '../../functions/src/adapters/firestore/refs';
import { ensureAccount } from '../../functions/src/adapters/firestore/accounts';
import { addCredit } from '../../functions/src/adapters/firestore/credit';
import { loadPriceBooks } from '../../functions/src/adapters/priceBookFile';
import { currentPriceBook } from '../../functions/src/domain/priceBook';

/**
 * Each test file gets its own Firestore project on the shared emulator, so files running in
 * parallel never see each other's documents.
 */
export function testFirestore(label: string): Firestore {
  return testProject(label).db;
}

/** The project id too, for tests that also use Pub/Sub in the same project. */
export function testProject(label: string): { projectId: string; db: Firestore } {
  if (!process.env.FIRESTORE_EMULATOR_HOST) throw new Error('FIRESTORE_EMULATOR_HOST is not set: run the tests with npm test');
  const projectId = `test-${label}-${randomUUID().slice(0, 8)}`.toLowerCase();
  return { projectId, db: new Firestore({ projectId, ignoreUndefinedProperties: true }) };
}

export const TEST_NOW_MS = Date.parse('2026-12-04T12:00:00Z');

export function priceBookNow() {
  return currentPriceBook(loadPriceBooks(), TEST_NOW_MS);
}

export const GENEROUS_LIMITS: AccountLimits = {
  monthlyCapMicros: 1_000_000_000,
  maxPerVideoMicros: 10_000_000,
  maxGenerationsPerHour: 1000,
  maxInFlight: 1000,
};

export interface SeedAccountOptions {
  accountId?: string;
  limits?: Partial<AccountLimits>;
  billingMode?: BillingMode;
  creditMicros?: number;
  consent?: Partial<Consent> | null;
}

/** An account that has consented to the current price book, ready to reserve. */
export async function seedAccount(db: Firestore, options: SeedAccountOptions = {}): Promise<string> {
  const accountId = options.accountId ?? `a_test_${randomUUID().slice(0, 8)}`;
  await ensureAccount(db, {
    accountId,
    ownerUid: `uid-${accountId}`,
    email: `${accountId}@example.com`,
    plan: 'test',
    billingMode: options.billingMode ?? 'payg',
    limits: { ...GENEROUS_LIMITS, ...options.limits },
    nowMs: TEST_NOW_MS,
  });
  const consent: Consent | null =
    options.consent === null
      ? null
      : { priceBookVersion: priceBookNow().version, maxMicrosPerVideo: 100_000_000, allowCheaperModel: false, atMs: TEST_NOW_MS, ...options.consent };
  await accountRef(db, accountId).update({ consent });
  if (options.creditMicros) {
    // Credit only enters through a ledger entry, so the seeded account satisfies the invariants.
    await addCredit(db, { accountId, entryId: `seed-${accountId}`, amountMicros: options.creditMicros, nowMs: TEST_NOW_MS, actor: 'test', reason: 'seed' });
  }
  return accountId;
}

export async function setControls(db: Firestore, controls: { generationPaused?: boolean; degradeToModel?: string | null }): Promise<void> {
  await controlsRef(db).set({
    generationPaused: controls.generationPaused ?? false,
    degradeToModel: (controls.degradeToModel ?? null) as never,
    reason: 'test',
    sinceMs: TEST_NOW_MS,
    by: 'test',
  });
}
