import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { checkPlatformInvariants } from '../../../functions/src/adapters/firestore/ledgerInvariants';
import { periodKeyOf } from '../../../functions/src/domain/account';
import { ORIGIN, generationBody, onboardedUser, startApiHarness, type ApiHarness } from '../../helpers/apiHarness';
import { captureLogs } from './budgetHarness';

/** PLATFORM_MONTHLY_CAP_USD through the real api function: config → apiDeps → requestGeneration → reserve. */
let h: ApiHarness;
let logs: ReturnType<typeof captureLogs>;
beforeAll(async () => {
  // Room for exactly two $0.32 videos on the whole platform, over 2 shards of $0.32 each.
  h = await startApiHarness('platform-cap', { PLATFORM_MONTHLY_CAP_USD: '0.64', PLATFORM_CAP_SHARDS: '2' });
});
afterAll(() => h.stop());
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

describe('platform monthly cap at the api', () => {
  it('given the platform cap is used up by two customers, then a third customer gets 503 GENERATION_PAUSED, not a 402 that blames them', async () => {
    const post = (cookie: string) =>
      request(h.server).post('/v1/generations').set('Cookie', cookie).set('Origin', ORIGIN).set('Idempotency-Key', randomUUID()).send(generationBody());
    const [a, b, c] = await Promise.all(['a@example.com', 'b@example.com', 'c@example.com'].map((email) => onboardedUser(h, email)));
    await post(a!.cookie).expect(202);
    await post(b!.cookie).expect(202);

    const refused = await post(c!.cookie).expect(503);

    expect(refused.body.error).toMatchObject({ code: 'GENERATION_PAUSED', details: { reason: 'platform budget exhausted', limit: 'platformMonthlyCap' } });
    expect(JSON.stringify(refused.body)).not.toMatch(/640000|0\.64/);
    expect(logs.lines.find((l) => l.message.startsWith('platform monthly cap reached'))).toMatchObject({ severity: 'ERROR', capMicros: 640_000 });
    const me = await request(h.server).get('/v1/me').set('Cookie', c!.cookie).expect(200);
    expect(me.body.account.period).toMatchObject({ heldMicros: 0, spentMicros: 0 });
    const platform = await checkPlatformInvariants(h.db, { periodKey: periodKeyOf(Date.now()), capMicros: 640_000 });
    expect(platform).toMatchObject({ shards: 2, heldMicros: 640_000, violations: [] });
  });
});
