import { accountRef, controlsRef } from '../../../functions/src/adapters/firestore/refs';
import { priceBookNow, seedAccount, setControls, testFirestore, TEST_NOW_MS } from '../../helpers/firestore';
import { ledgerSnapshot, reserve } from '../../helpers/ledger';
import { FAST_REQUEST_MICROS, fastRequest } from '../../helpers/requests';

const db = testFirestore('reserve-limits');
afterAll(() => db.terminate());
afterEach(() => controlsRef(db).delete());

describe('reserveGeneration refusals (real Firestore emulator)', () => {
  it('given maxGenerationsPerHour 5, when a 6th arrives within the hour, then RATE_LIMITED with a retry-after and nothing written', async () => {
    const accountId = await seedAccount(db, { limits: { maxGenerationsPerHour: 5 } });
    for (let i = 0; i < 5; i += 1) await reserve(db, accountId, { nowMs: TEST_NOW_MS + i * 60_000 });
    const before = await ledgerSnapshot(db, accountId);

    const sixth = reserve(db, accountId, { nowMs: TEST_NOW_MS + 10 * 60_000 });

    await expect(sixth).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'maxGenerationsPerHour', retryAfterSeconds: 50 * 60 } });
    const after = await ledgerSnapshot(db, accountId);
    expect(after.entryCount).toBe(before.entryCount);
    expect(after.account).toEqual(before.account);
  });

  it('given the hour has slid past the first start, then the next reservation is allowed', async () => {
    const accountId = await seedAccount(db, { limits: { maxGenerationsPerHour: 5 } });
    for (let i = 0; i < 5; i += 1) await reserve(db, accountId, { nowMs: TEST_NOW_MS + i * 60_000 });
    await expect(reserve(db, accountId, { nowMs: TEST_NOW_MS + 3_600_001 })).resolves.toMatchObject({ replayed: false });
    expect((await ledgerSnapshot(db, accountId)).account.recentStartsMs).toHaveLength(5);
  });

  it('given the global pause flag, then GENERATION_PAUSED and nothing written', async () => {
    const accountId = await seedAccount(db);
    await setControls(db, { generationPaused: true });
    const before = await ledgerSnapshot(db, accountId);

    await expect(reserve(db, accountId)).rejects.toMatchObject({ code: 'GENERATION_PAUSED', retryable: true });

    const after = await ledgerSnapshot(db, accountId);
    expect(after.entryCount).toBe(0);
    expect(after.generations).toHaveLength(0);
    expect(after.account).toEqual(before.account);
  });

  it('given no consent, then ONBOARDING_REQUIRED; consent to an older price book, then ONBOARDING_REQUIRED', async () => {
    const none = await seedAccount(db, { consent: null });
    await expect(reserve(db, none)).rejects.toMatchObject({ code: 'ONBOARDING_REQUIRED' });
    const stale = await seedAccount(db, { consent: { priceBookVersion: '2020-01-old' } });
    await expect(reserve(db, stale)).rejects.toMatchObject({ code: 'ONBOARDING_REQUIRED' });
    expect((await ledgerSnapshot(db, none)).entryCount + (await ledgerSnapshot(db, stale)).entryCount).toBe(0);
  });

  it('given consent up to $0.30 per video, when a $0.32 video is asked, then CONSENT_EXCEEDED', async () => {
    const accountId = await seedAccount(db, { consent: { maxMicrosPerVideo: 300_000 } });
    await expect(reserve(db, accountId)).rejects.toMatchObject({ code: 'CONSENT_EXCEEDED' });
  });

  it('given maxPerVideo below the quote, then QUOTA_EXCEEDED naming the limit', async () => {
    const accountId = await seedAccount(db, { limits: { maxPerVideoMicros: 300_000 } });
    await expect(reserve(db, accountId)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'maxPerVideoMicros' } });
  });

  it('given maxInFlight 2, then the third concurrent generation is RATE_LIMITED', async () => {
    const accountId = await seedAccount(db, { limits: { maxInFlight: 2 } });
    await reserve(db, accountId);
    await reserve(db, accountId);
    await expect(reserve(db, accountId)).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'maxInFlight' } });
  });

  it('given a prepaid account with credit for 2 videos, then the third is refused for credit', async () => {
    const accountId = await seedAccount(db, { billingMode: 'prepaid', creditMicros: FAST_REQUEST_MICROS * 2 });
    await reserve(db, accountId);
    await reserve(db, accountId);
    await expect(reserve(db, accountId)).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: { limit: 'creditMicros' } });
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account.heldMicros).toBe(FAST_REQUEST_MICROS * 2);
    expect(ledger.violations).toEqual([]);
  });

  it('given a degraded budget, then a consenting account is re-quoted on the cheaper model and a non-consenting one is not', async () => {
    await setControls(db, { degradeToModel: 'veo-3.1-fast-generate-001' });
    const allowing = await seedAccount(db, { consent: { allowCheaperModel: true } });
    const refusing = await seedAccount(db, { consent: { allowCheaperModel: false } });
    const request = fastRequest({ model: 'veo-3.1-generate-001' });

    const degraded = await reserve(db, allowing, { request });
    const kept = await reserve(db, refusing, { request });

    expect(degraded.generation.request.model).toBe('veo-3.1-fast-generate-001');
    expect(degraded.generation.degradedFrom).toBe('veo-3.1-generate-001');
    expect(degraded.generation.holdMicros).toBe(FAST_REQUEST_MICROS);
    expect(kept.generation.request.model).toBe('veo-3.1-generate-001');
    expect(kept.generation.holdMicros).toBe(800_000);
  });

  it('given a new calendar month, then spending counts from zero while holds carry over', async () => {
    const accountId = await seedAccount(db, { limits: { monthlyCapMicros: FAST_REQUEST_MICROS * 2 } });
    await accountRef(db, accountId).update({ periodKey: '2026-11', spentMicros: 0 });
    await reserve(db, accountId);
    expect((await ledgerSnapshot(db, accountId)).account.periodKey).toBe('2026-12');
    expect(priceBookNow().version).toBeTruthy();
  });
});
