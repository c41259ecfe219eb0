import { randomUUID } from 'node:crypto';
import { seedAccount } from '../helpers/firestore';
import { ledgerSnapshot, reserve, settleAll } from '../helpers/ledger';
import { FAST_REQUEST_MICROS } from '../helpers/requests';
import { contractBackends, useBackend } from './backends';

/**
 * The money gate itself (functions/src/adapters/firestore/reserveGeneration.ts) under a burst, on
 * every backend: whichever emulator runs, the cap holds exactly and the ledger invariants hold.
 */
describe.each(contractBackends())('reserveGeneration on the %s emulator', (backendName) => {
  const backend = useBackend(backendName);

  it('given a cap that fits exactly 10 holds, when 50 reservations race, then exactly 10 hold, 40 are refused and the invariants hold', async () => {
    const db = backend.firestore('reserve');
    const accountId = await seedAccount(db, { limits: { monthlyCapMicros: FAST_REQUEST_MICROS * 10 } });

    const outcome = await settleAll(Array.from({ length: 50 }, () => reserve(db, accountId)));

    expect(outcome.ok).toHaveLength(10);
    expect(outcome.errors).toEqual({ QUOTA_EXCEEDED: 40 });
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account.heldMicros).toBe(FAST_REQUEST_MICROS * 10);
    expect(ledger.account.spentMicros).toBe(0);
    expect(ledger.account.inFlight).toBe(10);
    expect(ledger.entriesByKind).toEqual({ hold: 10 });
    expect(ledger.generations).toHaveLength(10);
    expect(ledger.violations).toEqual([]);
    // The official emulator serializes this burst by aborting and retrying (~40 s on 2 busy cores).
  }, 240_000);

  it('given one Idempotency-Key sent 20 times at once, then one generation and one hold exist', async () => {
    const db = backend.firestore('idempotency');
    const accountId = await seedAccount(db);
    const idempotencyKey = randomUUID();

    const outcome = await settleAll(Array.from({ length: 20 }, () => reserve(db, accountId, { idempotencyKey })));

    expect(outcome.errors).toEqual({});
    expect(new Set(outcome.ok.map((result) => result.generationId)).size).toBe(1);
    expect(outcome.ok.filter((result) => !result.replayed)).toHaveLength(1);
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.entriesByKind).toEqual({ hold: 1 });
    expect(ledger.account.heldMicros).toBe(FAST_REQUEST_MICROS);
    expect(ledger.violations).toEqual([]);
  }, 120_000);
});
