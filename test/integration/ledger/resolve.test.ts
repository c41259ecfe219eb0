import { expireHolds } from '../../../functions/src/adapters/firestore/expireHolds';
import { generationRef } from '../../../functions/src/adapters/firestore/refs';
import { releaseGeneration, settleGeneration } from '../../../functions/src/adapters/firestore/resolveGeneration';
import { seedAccount, testFirestore, TEST_NOW_MS } from '../../helpers/firestore';
import { ledgerSnapshot, reserve, settleAll } from '../../helpers/ledger';
import { FAST_REQUEST_MICROS, fastRequest } from '../../helpers/requests';

const db = testFirestore('resolve');
afterAll(() => db.terminate());

async function runningGeneration(accountId: string, numberOfVideos = 1) {
  const { generationId } = await reserve(db, accountId, { request: fastRequest({ numberOfVideos }) });
  await generationRef(db, generationId).update({ status: 'running', operationName: 'operations/test' });
  return generationId;
}

const settleInput = (generationId: string, videosReturned: number) => ({
  generationId,
  videosReturned,
  filteredCount: 0,
  videos: [],
  nowMs: TEST_NOW_MS + 60_000,
  actor: 'worker',
});

const failInput = (generationId: string) => ({
  generationId,
  toStatus: 'failed' as const,
  fromStatuses: ['running' as const],
  error: { code: 'VEO_FAILED', message: 'test' },
  nowMs: TEST_NOW_MS + 60_000,
  actor: 'worker',
  reason: 'veo failed',
});

describe('settle and release (real Firestore emulator)', () => {
  it('given a running generation, when settle and release race several times, then exactly one resolution is written', async () => {
    const accountId = await seedAccount(db);
    const generationId = await runningGeneration(accountId);

    const outcome = await settleAll([
      settleGeneration(db, settleInput(generationId, 1)),
      releaseGeneration(db, failInput(generationId)),
      settleGeneration(db, settleInput(generationId, 1)),
      releaseGeneration(db, failInput(generationId)),
    ]);

    expect(outcome.errors).toEqual({});
    expect(outcome.ok.filter((r) => r.resolvedNow)).toHaveLength(1);
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.entryCount).toBe(2);
    expect(ledger.account.heldMicros).toBe(0);
    expect(ledger.account.inFlight).toBe(0);
    const winner = ledger.generations[0]!;
    expect(['succeeded', 'failed']).toContain(winner.status);
    expect(ledger.account.spentMicros).toBe(winner.status === 'succeeded' ? FAST_REQUEST_MICROS : 0);
    expect(ledger.violations).toEqual([]);
  });

  it('given 2 videos held and 1 returned (1 filtered), then 1 is charged and the rest released in the same entry', async () => {
    const accountId = await seedAccount(db);
    const generationId = await runningGeneration(accountId, 2);

    const { generation } = await settleGeneration(db, { ...settleInput(generationId, 1), filteredCount: 1 });

    expect(generation.status).toBe('succeeded');
    expect(generation.costMicros).toBe(FAST_REQUEST_MICROS);
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account.spentMicros).toBe(FAST_REQUEST_MICROS);
    expect(ledger.account.heldMicros).toBe(0);
    expect(ledger.entriesByKind).toEqual({ hold: 1, settle: 1 });
    expect(ledger.violations).toEqual([]);
  });

  it('given every video filtered, then nothing is charged and the hold is released', async () => {
    const accountId = await seedAccount(db);
    const generationId = await runningGeneration(accountId, 2);

    const { generation } = await settleGeneration(db, { ...settleInput(generationId, 0), filteredCount: 2 });

    expect(generation.costMicros).toBe(0);
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account.spentMicros).toBe(0);
    expect(ledger.account.heldMicros).toBe(0);
    expect(ledger.violations).toEqual([]);
  });

  it('given more videos than requested are reported, then the charge never exceeds the hold', async () => {
    const accountId = await seedAccount(db);
    const generationId = await runningGeneration(accountId, 1);
    const { generation } = await settleGeneration(db, settleInput(generationId, 3));
    expect(generation.costMicros).toBe(FAST_REQUEST_MICROS);
    expect((await ledgerSnapshot(db, accountId)).violations).toEqual([]);
  });

  it('given a queued generation, when it is cancelled, then the hold is released and the generation is cancelled', async () => {
    const accountId = await seedAccount(db);
    const { generationId } = await reserve(db, accountId);
    const { generation } = await releaseGeneration(db, {
      ...failInput(generationId),
      toStatus: 'cancelled',
      fromStatuses: ['queued'],
      error: null,
      reason: 'cancelled by customer',
    });
    expect(generation.status).toBe('cancelled');
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.entriesByKind).toEqual({ hold: 1, release: 1 });
    expect(ledger.account.heldMicros).toBe(0);
    expect(ledger.violations).toEqual([]);
  });

  it('given a running generation, when someone tries to cancel it, then CONFLICT and nothing changes', async () => {
    const accountId = await seedAccount(db);
    const generationId = await runningGeneration(accountId);
    await expect(
      releaseGeneration(db, { ...failInput(generationId), toStatus: 'cancelled', fromStatuses: ['queued'], error: null }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account.heldMicros).toBe(FAST_REQUEST_MICROS);
    expect(ledger.violations).toEqual([]);
  });

  it('given queued holds past their expiry, when expireHolds runs, then only those are expired', async () => {
    const accountId = await seedAccount(db);
    const old = await reserve(db, accountId, { holdTtlMs: 1_000 });
    const fresh = await reserve(db, accountId, { holdTtlMs: 24 * 3_600_000 });
    const running = await runningGeneration(accountId);
    await generationRef(db, running).update({ holdExpiresAtMs: TEST_NOW_MS });

    const result = await expireHolds(db, { nowMs: TEST_NOW_MS + 10_000, limit: 100, actor: 'sweeper' });
    const again = await expireHolds(db, { nowMs: TEST_NOW_MS + 10_000, limit: 100, actor: 'sweeper' });

    expect(result.expired).toEqual([old.generationId]);
    expect(again.expired).toEqual([]);
    const ledger = await ledgerSnapshot(db, accountId);
    const statusOf = (id: string) => ledger.generations.find((g) => g.id === id)?.status;
    expect(statusOf(old.generationId)).toBe('expired');
    expect(statusOf(fresh.generationId)).toBe('queued');
    expect(statusOf(running)).toBe('running');
    expect(ledger.account.heldMicros).toBe(FAST_REQUEST_MICROS * 2);
    expect(ledger.violations).toEqual([]);
  });
});
