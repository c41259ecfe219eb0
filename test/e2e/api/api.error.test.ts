import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { accountRef, generationRef } from '../../../functions/src/adapters/firestore/refs';
import { ORIGIN, generationBody, onboardedUser, signIn, startApiHarness, type ApiHarness } from '../../helpers/apiHarness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('error');
});
afterAll(() => h.stop());

const post = (cookie: string, path: string) => request(h.server).post(path).set('Cookie', cookie).set('Origin', ORIGIN);
const create = (cookie: string, body: object = generationBody(), key: string = randomUUID()) => post(cookie, '/v1/generations').set('Idempotency-Key', key).send(body);

function expectError(res: request.Response, status: number, code: string) {
  expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
  expect(typeof res.body.error.message).toBe('string');
}

describe('api refusals', () => {
  it('refuses a generation before consent with 403 ONBOARDING_REQUIRED', async () => {
    const cookie = await signIn(h, 'no.consent@example.com');
    expectError(await create(cookie), 403, 'ONBOARDING_REQUIRED');
  });

  it('refuses a video above the consented price with 403 CONSENT_EXCEEDED', async () => {
    const { cookie } = await onboardedUser(h, 'cheap@example.com', { maxUsdPerVideo: 0.3 });
    expectError(await create(cookie), 403, 'CONSENT_EXCEEDED');
  });

  it('refuses consent to a price book that is not current', async () => {
    const cookie = await signIn(h, 'stale@example.com');
    const res = await post(cookie, '/v1/onboarding/consent').send({ priceBookVersion: '2019-old', maxUsdPerVideo: 1 });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.details.currentPriceBookVersion).toBeTruthy();
  });

  it('requires an Idempotency-Key', async () => {
    const { cookie } = await onboardedUser(h, 'nokey@example.com');
    expectError(await post(cookie, '/v1/generations').send(generationBody()), 400, 'VALIDATION_FAILED');
    expectError(await post(cookie, '/v1/generations').set('Idempotency-Key', 'short').send(generationBody()), 400, 'VALIDATION_FAILED');
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body', async () => {
    const { cookie } = await onboardedUser(h, 'reuse@example.com');
    const key = randomUUID();
    await create(cookie, generationBody(), key).expect(202);
    expectError(await create(cookie, generationBody({ prompt: 'a different video' }), key), 422, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('answers 429 RATE_LIMITED with Retry-After on the 6th generation within an hour', async () => {
    const { cookie, accountId } = await onboardedUser(h, 'busy@example.com');
    // In-flight limit is 2 by default; raise it so the hourly window is what refuses.
    await accountRef(h.db, accountId).update({ 'limits.maxInFlight': 10 });
    for (let i = 0; i < 5; i += 1) await create(cookie).expect(202);
    const sixth = await create(cookie);
    expectError(sixth, 429, 'RATE_LIMITED');
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(3000);
    expect(sixth.body.error.details.limit).toBe('maxGenerationsPerHour');
  });

  it('answers 402 QUOTA_EXCEEDED when the monthly cap would be exceeded', async () => {
    const { cookie, accountId } = await onboardedUser(h, 'capped@example.com');
    await accountRef(h.db, accountId).update({ 'limits.monthlyCapMicros': 500_000 });
    await create(cookie).expect(202);
    const res = await create(cookie);
    expectError(res, 402, 'QUOTA_EXCEEDED');
    expect(res.body.error.details).toMatchObject({ limit: 'monthlyCapMicros', remainingMicros: 180_000 });
  });

  it('refuses to cancel a generation that has been claimed (409 CONFLICT)', async () => {
    const { cookie } = await onboardedUser(h, 'late.cancel@example.com');
    const { body } = await create(cookie).expect(202);
    await generationRef(h.db, body.id).update({ status: 'running' });
    expectError(await post(cookie, `/v1/generations/${body.id}/cancel`), 409, 'CONFLICT');
  });

  it('answers unknown routes and methods with a JSON 404', async () => {
    expectError(await request(h.server).get('/v2/nothing'), 404, 'NOT_FOUND');
    expectError(await request(h.server).delete('/healthz'), 404, 'NOT_FOUND');
  });

  it('answers bad query parameters with 400 naming the field', async () => {
    const res = await request(h.server).get('/v1/quote').query({ model: 'veo-9', durationSeconds: '5' });
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual(['durationSeconds', 'model']);
    expectError(await request(h.server).get('/v1/quote').query({ model: 'veo-3.1-generate-001', durationSeconds: '4', resolution: '1080p' }), 400, 'VALIDATION_FAILED');
  });

  it('answers an internal failure with 500 INTERNAL and no detail of it', async () => {
    const { cookie, accountId } = await onboardedUser(h, 'corrupt@example.com');
    // A document that no longer matches its schema (a bug, or tampering) must stop the money path.
    await accountRef(h.db, accountId).update({ heldMicros: -5 });
    const res = await create(cookie);
    expectError(res, 500, 'INTERNAL');
    expect(JSON.stringify(res.body)).not.toMatch(/heldMicros|accounts\/|schema|stack/);
  });
});
