import { randomUUID } from 'node:crypto';
import { testFirestore, seedAccount } from '../../helpers/firestore';
import { ledgerSnapshot, reserve } from '../../helpers/ledger';
import { fastRequest } from '../../helpers/requests';

const db = testFirestore('reserve-idempotency');
afterAll(() => db.terminate());

// The bursts (50 reservations on a cap that fits 10; one Idempotency-Key 20 times at once) live in
// test/contract/ledger.reservation.test.ts, which runs them on every emulator backend present.
describe('reserveGeneration idempotency (real Firestore emulator)', () => {
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
