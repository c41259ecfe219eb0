import { randomUUID } from 'node:crypto';
import { testFirestore, seedAccount } from '../../helpers/firestore';
import { ledgerSnapshot, reserve, settleAll } from '../../helpers/ledger';
import { FAST_REQUEST_MICROS, fastRequest } from '../../helpers/requests';

const db = testFirestore('reserve-concurrency');
afterAll(() => db.terminate());

describe('reserveGeneration under concurrency (real Firestore emulator)', () => {
  it('given a cap that fits exactly 10 holds, when 50 reservations race, then exactly 10 hold and 40 are refused', async () => {
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
    // The emulator resolves 50 writers on one document by lock timeouts and client retries with
    // backoff: correct, but it can take a minute on a loaded 2-core machine.
  }, 240_000);

  it('given one Idempotency-Key sent 20 times at once, then one generation and one hold exist', async () => {
    const accountId = await seedAccount(db);
    const idempotencyKey = randomUUID();

    const outcome = await settleAll(Array.from({ length: 20 }, () => reserve(db, accountId, { idempotencyKey })));

    expect(outcome.errors).toEqual({});
    expect(new Set(outcome.ok.map((r) => r.generationId)).size).toBe(1);
    expect(outcome.ok.filter((r) => !r.replayed)).toHaveLength(1);
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.entriesByKind).toEqual({ hold: 1 });
    expect(ledger.account.heldMicros).toBe(FAST_REQUEST_MICROS);
    expect(ledger.violations).toEqual([]);
  });

  it('given a used Idempotency-Key, when it comes back with a different body, then IDEMPOTENCY_KEY_REUSED and nothing changes', async () => {
    const accountId = await seedAccount(db);
    const idempotencyKey = randomUUID();
    await reserve(db, accountId, { idempotencyKey });
    const before = await ledgerSnapshot(db, accountId);

    await expect(reserve(db, accountId, { idempotencyKey, request: fastRequest({ prompt: 'something else' }) })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });

    const after = await ledgerSnapshot(db, accountId);
    expect(after.account).toEqual(before.account);
    expect(after.entryCount).toBe(before.entryCount);
  });

  it('given two accounts using the same Idempotency-Key, then each gets its own generation', async () => {
    const [a, b] = await Promise.all([seedAccount(db), seedAccount(db)]);
    const idempotencyKey = randomUUID();
    const [ra, rb] = await Promise.all([reserve(db, a, { idempotencyKey }), reserve(db, b, { idempotencyKey })]);
    expect(ra.generationId).not.toBe(rb.generationId);
    expect(ra.replayed || rb.replayed).toBe(false);
  });
});
