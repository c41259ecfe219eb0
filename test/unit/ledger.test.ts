import type { AccountState } from '../../functions/src/domain/account';
import { DEFAULT_CONTROLS } from '../../functions/src/domain/account';
import { adjustCredit, credit, hold, release, rollPeriod, settle } from '../../functions/src/domain/ledger';
import { checkReservation } from '../../functions/src/domain/limits';
import { canTransition, isTerminal } from '../../functions/src/domain/generation';
import { microsToUsd, usdToMicros } from '../../functions/src/domain/money';
import { accountIdForSubject, canonicalHash, generationIdFor } from '../../functions/src/domain/ids';
import type { Quote } from '../../functions/src/domain/quote';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const PRICED = { priceBookVersion: 'v1', model: 'veo-3.1-fast-generate-001' };
const account = (overrides: Partial<AccountState> = {}): AccountState => ({
  id: 'a1',
  billingMode: 'payg',
  limits: { monthlyCapMicros: 10_000_000, maxPerVideoMicros: 5_000_000, maxGenerationsPerHour: 5, maxInFlight: 3 },
  periodKey: '2026-12',
  spentMicros: 0,
  heldMicros: 0,
  creditMicros: 0,
  recentStartsMs: [],
  inFlight: 0,
  consent: { priceBookVersion: 'v1', maxMicrosPerVideo: 5_000_000, allowCheaperModel: false, atMs: NOW },
  ...overrides,
});
const quote = (totalMicros: number, perVideoMicros = totalMicros): Quote => ({
  priceBookVersion: 'v1',
  model: 'veo-3.1-fast-generate-001',
  durationSeconds: 4,
  resolution: '720p',
  generateAudio: false,
  numberOfVideos: totalMicros / perVideoMicros,
  microsPerSecond: perVideoMicros / 4,
  perVideoMicros,
  totalMicros,
});

describe('ledger transitions', () => {
  it('hold → settle below the hold charges the cost and releases the rest', () => {
    const held = hold(account(), 'g1', 1_000_000, PRICED, NOW, 'test');
    expect(held.account).toMatchObject({ heldMicros: 1_000_000, inFlight: 1, recentStartsMs: [NOW] });
    expect(held.entry).toMatchObject({ id: 'g1.hold', kind: 'hold', heldDeltaMicros: 1_000_000 });
    const settled = settle(held.account, 'g1', 1_000_000, 400_000, PRICED, NOW, 'test');
    expect(settled.account).toMatchObject({ heldMicros: 0, spentMicros: 400_000, inFlight: 0, creditMicros: 0 });
    expect(settled.entry).toMatchObject({ id: 'g1.resolution', kind: 'settle', amountMicros: 400_000, heldDeltaMicros: -1_000_000, spentDeltaMicros: 400_000 });
  });

  it('settle above the hold is an invariant violation', () => {
    const held = hold(account(), 'g1', 1_000_000, PRICED, NOW, 'test');
    expect(() => settle(held.account, 'g1', 1_000_000, 1_000_001, PRICED, NOW, 'test')).toThrow(/exceeds hold/);
  });

  it('prepaid settle debits credit by the cost only', () => {
    const funded = credit(account({ billingMode: 'prepaid' }), 'pay1', 2_000_000, NOW, 'stripe', 'pack').account;
    const held = hold(funded, 'g1', 1_000_000, PRICED, NOW, 'test');
    const settled = settle(held.account, 'g1', 1_000_000, 250_000, PRICED, NOW, 'test');
    expect(settled.account).toMatchObject({ creditMicros: 1_750_000, heldMicros: 0, spentMicros: 250_000 });
  });

  it('release and expire give the whole hold back under one resolution id', () => {
    const held = hold(account(), 'g1', 1_000_000, PRICED, NOW, 'test');
    for (const kind of ['release', 'expire'] as const) {
      const r = release(held.account, 'g1', 1_000_000, kind, PRICED, NOW, 'test', 'why');
      expect(r.account).toMatchObject({ heldMicros: 0, spentMicros: 0, inFlight: 0 });
      expect(r.entry).toMatchObject({ id: 'g1.resolution', kind, heldDeltaMicros: -1_000_000 });
    }
  });

  it('a release without a hold cannot drive held below zero', () => {
    expect(() => release(account(), 'g1', 1, 'release', PRICED, NOW, 'test', 'why')).toThrow(/below zero/);
  });

  it('credit adds, adjust may not take credit below what is held on a prepaid account', () => {
    const funded = credit(account({ billingMode: 'prepaid' }), 'pay1', 1_000_000, NOW, 'stripe', 'pack').account;
    const held = hold(funded, 'g1', 800_000, PRICED, NOW, 'test').account;
    expect(() => adjustCredit(held, 'adj1', -300_000, NOW, 'admin', 'x')).toThrow(/below what is on hold/);
    expect(adjustCredit(held, 'adj1', -200_000, NOW, 'admin', 'x').account.creditMicros).toBe(800_000);
  });

  it('a new month resets spent but keeps holds', () => {
    const rolled = rollPeriod(account({ periodKey: '2026-11', spentMicros: 5, heldMicros: 7 }), NOW);
    expect(rolled).toMatchObject({ periodKey: '2026-12', spentMicros: 0, heldMicros: 7 });
  });
});

describe('checkReservation', () => {
  const ok = quote(1_000_000);
  it('allows a reservation within every limit', () => expect(() => checkReservation(account(), DEFAULT_CONTROLS, ok, NOW)).not.toThrow());
  it.each<[string, Partial<AccountState>, Quote, string, object]>([
    ['no consent', { consent: null }, ok, 'ONBOARDING_REQUIRED', {}],
    ['consent to an old book', { consent: { priceBookVersion: 'v0', maxMicrosPerVideo: 5_000_000, allowCheaperModel: false, atMs: NOW } }, ok, 'ONBOARDING_REQUIRED', {}],
    ['above consent', { consent: { priceBookVersion: 'v1', maxMicrosPerVideo: 999_999, allowCheaperModel: false, atMs: NOW } }, ok, 'CONSENT_EXCEEDED', {}],
    [
      'above maxPerVideo',
      { consent: { priceBookVersion: 'v1', maxMicrosPerVideo: 9_000_000, allowCheaperModel: false, atMs: NOW } },
      quote(5_000_001),
      'QUOTA_EXCEEDED',
      { limit: 'maxPerVideoMicros' },
    ],
    ['window full', { recentStartsMs: [NOW - 50 * 60_000, NOW - 40 * 60_000, NOW - 3, NOW - 2, NOW - 1] }, ok, 'RATE_LIMITED', { retryAfterSeconds: 600 }],
    ['in flight full', { inFlight: 3 }, ok, 'RATE_LIMITED', { limit: 'maxInFlight' }],
    ['cap exactly exceeded', { spentMicros: 4_000_000, heldMicros: 5_000_001 }, ok, 'QUOTA_EXCEEDED', { limit: 'monthlyCapMicros' }],
    ['prepaid without credit', { billingMode: 'prepaid', creditMicros: 999_999 }, ok, 'QUOTA_EXCEEDED', { limit: 'creditMicros' }],
  ])('refuses %s', (_name, overrides, q, code, details) => {
    expect(() => checkReservation(account(overrides), DEFAULT_CONTROLS, q, NOW)).toThrow(
      expect.objectContaining({ code, details: expect.objectContaining(details) }),
    );
  });
  it('allows spending up to exactly the cap', () => {
    expect(() => checkReservation(account({ spentMicros: 4_000_000, heldMicros: 5_000_000 }), DEFAULT_CONTROLS, ok, NOW)).not.toThrow();
  });
  it('ignores starts older than an hour', () => {
    expect(() => checkReservation(account({ recentStartsMs: Array(5).fill(NOW - 3_600_001) }), DEFAULT_CONTROLS, ok, NOW)).not.toThrow();
  });
  it('refuses everything while paused, before any other check', () => {
    expect(() => checkReservation(account({ consent: null }), { ...DEFAULT_CONTROLS, generationPaused: true }, ok, NOW)).toThrow(
      expect.objectContaining({ code: 'GENERATION_PAUSED' }),
    );
  });
});

describe('generation states', () => {
  it('never starts a second time: nothing goes back to queued after running', () => {
    expect(canTransition('running', 'queued')).toBe(false);
    expect(canTransition('unknown', 'queued')).toBe(false);
    expect(canTransition('starting', 'queued')).toBe(true);
  });
  it('terminal states have no way out', () => {
    for (const s of ['succeeded', 'failed', 'cancelled', 'expired'] as const) {
      expect(isTerminal(s)).toBe(true);
      expect(canTransition(s, 'queued')).toBe(false);
    }
    expect(isTerminal('unknown')).toBe(false);
  });
});

describe('money and ids', () => {
  it('converts USD without float drift', () => {
    expect(usdToMicros('0.1')).toBe(100_000);
    expect(usdToMicros(0.3)).toBe(300_000);
    expect(usdToMicros('12.345678')).toBe(12_345_678);
    expect(() => usdToMicros('1.2345678')).toThrow();
    expect(() => usdToMicros('-1')).toThrow();
    expect(microsToUsd(320_000)).toBe('0.32');
    expect(microsToUsd(12_345_678)).toBe('12.345678');
  });
  it('derives stable ids', () => {
    expect(generationIdFor('a1', 'k1')).toBe(generationIdFor('a1', 'k1'));
    expect(generationIdFor('a1', 'k1')).not.toBe(generationIdFor('a2', 'k1'));
    expect(generationIdFor('a1', 'k1')).not.toBe(generationIdFor('a', '1k1'));
    expect(accountIdForSubject('123')).toMatch(/^a_[A-Za-z0-9]{22}$/);
    expect(canonicalHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(canonicalHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
  });
});
