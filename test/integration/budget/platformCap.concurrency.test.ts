import type { Firestore } from '@google-cloud/firestore';
import { checkPlatformInvariants } from '../../../functions/src/adapters/firestore/ledgerInvariants';
import { platformShardRef, platformShardsOf } from '../../../functions/src/adapters/firestore/platformCap';
import { generationRef } from '../../../functions/src/adapters/firestore/refs';
import { expireHolds } from '../../../functions/src/adapters/firestore/expireHolds';
import { releaseGeneration, settleGeneration } from '../../../functions/src/adapters/firestore/resolveGeneration';
import { periodKeyOf } from '../../../functions/src/domain/account';
import { maxStrandedMicros, shardAllowanceMicros, type PlatformCap } from '../../../functions/src/domain/platformCap';
import { seedAccount, testFirestore, TEST_NOW_MS } from '../../helpers/firestore';
import { ledgerSnapshot, reserve, settleAll } from '../../helpers/ledger';
import { FAST_REQUEST_MICROS, fastRequest } from '../../helpers/requests';

/**
 * The ledger's platform cap against the real Firestore emulator: many accounts racing on shared
 * shards, the cap never exceeded, and every shard agreeing with the generations that name it.
 */
const PERIOD = periodKeyOf(TEST_NOW_MS);
const HOLD = FAST_REQUEST_MICROS;

function capOf(capMicros: number, shardCount = 16): PlatformCap {
  return { capMicros, shardCount, maxShardTries: shardCount };
}

/** What sharding can hold of a cap when every hold is `hold`: each shard fits floor(allowance / hold). */
function holdsThatFit(cap: PlatformCap, hold: number): number {
  let n = 0;
  for (let i = 0; i < cap.shardCount; i += 1) n += Math.floor(shardAllowanceMicros(cap.capMicros, cap.shardCount, i) / hold);
  return n;
}

async function race(db: Firestore, cap: PlatformCap, accounts: number, perAccount: number) {
  const accountIds = await Promise.all(Array.from({ length: accounts }, () => seedAccount(db)));
  const outcome = await settleAll(accountIds.flatMap((accountId) => Array.from({ length: perAccount }, () => reserve(db, accountId, { platformCap: cap }))));
  return { accountIds, outcome };
}

async function expectAllInvariants(db: Firestore, accountIds: string[], cap: PlatformCap) {
  const platform = await checkPlatformInvariants(db, { periodKey: PERIOD, capMicros: cap.capMicros });
  expect(platform.violations).toEqual([]);
  expect(platform.complete).toBe(true);
  for (const accountId of accountIds) expect((await ledgerSnapshot(db, accountId)).violations).toEqual([]);
  return platform;
}

describe('platform monthly cap in the ledger (real Firestore emulator)', () => {
  it('given a cap of exactly 32 holds on 16 shards, when 50 reservations race across 10 accounts, then exactly 32 hold and the sum never exceeds the cap', async () => {
    const db = testFirestore('platform-cap-exact');
    const cap = capOf(HOLD * 32);
    const { accountIds, outcome } = await race(db, cap, 10, 5);

    expect(holdsThatFit(cap, HOLD)).toBe(32);
    expect(outcome.ok).toHaveLength(32);
    expect(outcome.errors).toEqual({ GENERATION_PAUSED: 18 });
    const platform = await expectAllInvariants(db, accountIds, cap);
    expect(platform.heldMicros).toBe(HOLD * 32);
    expect(platform.shards).toBe(16);
    expect(new Set(outcome.ok.map((r) => r.generation.platformShard?.index)).size).toBe(16);
    await db.terminate();
  });

  it('given a cap that does not split evenly, when 50 race, then the successes are what the shards can hold, within the stranding bound', async () => {
    const db = testFirestore('platform-cap-strand');
    // 20.5 holds of cap over 16 shards: each shard's slice fits exactly one hold, so 16 succeed
    // although 20 would fit in one counter — the stranding the shards trade for no hot document.
    const cap = capOf(Math.floor(HOLD * 20.5));
    const { accountIds, outcome } = await race(db, cap, 10, 5);

    const fit = holdsThatFit(cap, HOLD);
    expect(fit).toBe(16);
    expect(outcome.ok).toHaveLength(fit);
    expect(outcome.errors).toEqual({ GENERATION_PAUSED: 50 - fit });
    const platform = await expectAllInvariants(db, accountIds, cap);
    expect(platform.heldMicros).toBeLessThanOrEqual(cap.capMicros);
    expect(cap.capMicros - platform.heldMicros).toBeLessThanOrEqual(maxStrandedMicros(cap.shardCount, HOLD));
    await db.terminate();
  });

  it('refuses with 503-class GENERATION_PAUSED naming the platform cap, not the customer', async () => {
    const db = testFirestore('platform-cap-refusal');
    const accountId = await seedAccount(db);
    const cap = capOf(HOLD, 1);
    await reserve(db, accountId, { platformCap: cap });
    const before = await ledgerSnapshot(db, accountId);

    await expect(reserve(db, accountId, { platformCap: cap })).rejects.toMatchObject({
      code: 'GENERATION_PAUSED',
      retryable: true,
      details: { reason: 'platform budget exhausted', limit: 'platformMonthlyCap' },
    });

    const after = await ledgerSnapshot(db, accountId);
    expect(after.account).toEqual(before.account);
    expect(after.entryCount).toBe(before.entryCount);
    await db.terminate();
  });

  it('given holds on the platform cap, when they settle, fail, expire and are cancelled, then each shard moves held to spent or back in the same transaction', async () => {
    const db = testFirestore('platform-cap-resolve');
    const accountId = await seedAccount(db);
    const cap = capOf(HOLD * 100, 4);
    const twoVideos = await reserve(db, accountId, { platformCap: cap, request: fastRequest({ numberOfVideos: 2 }) });
    const failing = await reserve(db, accountId, { platformCap: cap });
    const expiring = await reserve(db, accountId, { platformCap: cap, holdTtlMs: 1_000 });
    const cancelled = await reserve(db, accountId, { platformCap: cap });
    for (const id of [twoVideos.generationId, failing.generationId]) await generationRef(db, id).update({ status: 'running', operationName: 'operations/test' });

    // Two videos held, one returned: one charged, the rest released — on the shard as on the account.
    await settleGeneration(db, { generationId: twoVideos.generationId, videosReturned: 1, filteredCount: 1, videos: [], nowMs: TEST_NOW_MS + 60_000, actor: 'worker' });
    await releaseGeneration(db, {
      generationId: failing.generationId,
      toStatus: 'failed',
      fromStatuses: ['running'],
      error: { code: 'VEO_FAILED', message: 'test' },
      nowMs: TEST_NOW_MS + 60_000,
      actor: 'worker',
      reason: 'veo failed',
    });
    await releaseGeneration(db, { generationId: cancelled.generationId, toStatus: 'cancelled', fromStatuses: ['queued'], error: null, nowMs: TEST_NOW_MS + 60_000, actor: 'user', reason: 'cancelled' });
    await expireHolds(db, { nowMs: TEST_NOW_MS + 10_000, limit: 10, actor: 'sweeper' });
    // A second settle of the same generation must not move the shard again.
    const replay = await settleGeneration(db, { generationId: twoVideos.generationId, videosReturned: 1, filteredCount: 1, videos: [], nowMs: TEST_NOW_MS + 61_000, actor: 'worker' });
    expect(replay.resolvedNow).toBe(false);

    const platform = await expectAllInvariants(db, [accountId], cap);
    expect(platform.heldMicros).toBe(0);
    expect(platform.spentMicros).toBe(HOLD);
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account.spentMicros).toBe(HOLD);
    expect(ledger.account.heldMicros).toBe(0);
    await db.terminate();
  });

  it('given the shard count is changed mid-month, then the period keeps the count it was pinned with and the cap still holds', async () => {
    const db = testFirestore('platform-cap-pinned');
    const pinned = capOf(HOLD * 8, 4);
    const accountIds = await Promise.all(Array.from({ length: 4 }, () => seedAccount(db)));
    // Four first reservations of the period race to create its shards: all succeed, shards are created once.
    const first = await settleAll(accountIds.map((a) => reserve(db, a, { platformCap: pinned })));
    expect(first.errors).toEqual({});

    // Redeployed with 16 shards: more shards must not mean fresh allowance next to the used ones.
    const reconfigured = capOf(HOLD * 8, 16);
    const outcome = await settleAll(accountIds.flatMap((a) => Array.from({ length: 5 }, () => reserve(db, a, { platformCap: reconfigured }))));

    expect(outcome.ok).toHaveLength(4);
    expect(outcome.errors).toEqual({ GENERATION_PAUSED: 16 });
    expect((await platformShardsOf(db, PERIOD).get()).size).toBe(4);
    const platform = await expectAllInvariants(db, accountIds, pinned);
    expect(platform.heldMicros).toBe(HOLD * 8);
    await db.terminate();
  });

  it('given no platform cap, then no shard is read or written and generations carry no shard', async () => {
    const db = testFirestore('platform-cap-off');
    const accountId = await seedAccount(db);
    const { generation } = await reserve(db, accountId);
    expect(generation.platformShard).toBeNull();
    expect((await platformShardsOf(db, PERIOD).get()).size).toBe(0);
    expect((await platformShardRef(db, PERIOD, 0).get()).exists).toBe(false);
    await db.terminate();
  });

  it('given a generation written before the cap existed (no platformShard field), then it still reads and resolves', async () => {
    const db = testFirestore('platform-cap-old-doc');
    const accountId = await seedAccount(db);
    const { generationId } = await reserve(db, accountId);
    const { FieldValue } = require('@google-cloud/firestore') as typeof import('@google-cloud/firestore');
    await db.collection('generations').doc(generationId).update({ platformShard: FieldValue.delete() });
    const { generation } = await releaseGeneration(db, { generationId, toStatus: 'cancelled', fromStatuses: ['queued'], error: null, nowMs: TEST_NOW_MS, actor: 'user', reason: 'cancelled' });
    expect(generation.status).toBe('cancelled');
    expect((await ledgerSnapshot(db, accountId)).violations).toEqual([]);
    await db.terminate();
  });
});
