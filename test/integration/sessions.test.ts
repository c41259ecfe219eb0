import { createSession, findSession, revokeSession, saveLoginAttempt, takeLoginAttempt } from '../../functions/src/adapters/firestore/sessions';
import { settleAll } from '../helpers/ledger';
import { testFirestore } from '../helpers/firestore';

const db = testFirestore('sessions');
afterAll(() => db.terminate());

const T0 = Date.parse('2026-12-04T12:00:00Z');
const IDLE_MS = 2 * 3_600_000;
const session = () => createSession(db, { accountId: 'a1', sub: 's1', email: 'a@example.com', emailVerified: true, nowMs: T0, maxAgeMs: 7 * 24 * 3_600_000 });

describe('server-side sessions (Firestore emulator)', () => {
  it('ends a session left idle longer than the idle timeout', async () => {
    const { sid } = await session();
    expect(await findSession(db, sid, { nowMs: T0 + IDLE_MS - 1, idleMs: IDLE_MS })).not.toBeNull();
    // That use refreshed lastSeen, so the idle clock restarts from there.
    expect(await findSession(db, sid, { nowMs: T0 + 2 * IDLE_MS - 2, idleMs: IDLE_MS })).not.toBeNull();
    expect(await findSession(db, sid, { nowMs: T0 + 4 * IDLE_MS, idleMs: IDLE_MS })).toBeNull();
  });

  it('ends a session at its absolute expiry however active it is', async () => {
    const { sid } = await session();
    let now = T0;
    while (now < T0 + 7 * 24 * 3_600_000 - IDLE_MS) {
      now += IDLE_MS - 60_000;
      expect(await findSession(db, sid, { nowMs: now, idleMs: IDLE_MS })).not.toBeNull();
    }
    expect(await findSession(db, sid, { nowMs: T0 + 7 * 24 * 3_600_000, idleMs: IDLE_MS })).toBeNull();
  });

  it('refuses a revoked session and ids that are not shaped like ours', async () => {
    const { sid } = await session();
    await revokeSession(db, sid, T0 + 1);
    expect(await findSession(db, sid, { nowMs: T0 + 2, idleMs: IDLE_MS })).toBeNull();
    expect(await findSession(db, '../../accounts/a1', { nowMs: T0, idleMs: IDLE_MS })).toBeNull();
  });

  it('redeems a sign-in state exactly once, even when two callbacks race', async () => {
    const state = 'S'.repeat(43);
    await saveLoginAttempt(db, state, { nonce: 'n', codeVerifier: 'v', returnTo: '/v1/me', createdAtMs: T0, expiresAtMs: T0 + 600_000 });
    const { ok } = await settleAll([takeLoginAttempt(db, state, T0 + 1), takeLoginAttempt(db, state, T0 + 1), takeLoginAttempt(db, state, T0 + 1)]);
    expect(ok.filter((a) => a !== null)).toHaveLength(1);
  });

  it('refuses an expired sign-in state', async () => {
    const state = 'E'.repeat(43);
    await saveLoginAttempt(db, state, { nonce: 'n', codeVerifier: 'v', returnTo: '/v1/me', createdAtMs: T0, expiresAtMs: T0 + 600_000 });
    expect(await takeLoginAttempt(db, state, T0 + 600_001)).toBeNull();
  });
});
