import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { checkAccountInvariants } from '../../../functions/src/adapters/firestore/ledgerInvariants';
import { ORIGIN, generationBody, onboardedUser, signIn, startApiHarness, type ApiHarness } from '../../helpers/apiHarness';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('happy');
});
afterAll(() => h.stop());

describe('api happy paths', () => {
  it('answers /healthz', async () => {
    await request(h.server).get('/healthz').expect(200, { status: 'ok' });
  });

  it('signs a new user in through the code flow and creates the account with default limits', async () => {
    const cookie = await signIn(h, 'new.user@example.com');
    const me = await request(h.server).get('/v1/me').set('Cookie', cookie).expect(200);
    expect(me.body.email).toBe('new.user@example.com');
    expect(me.body.onboardingRequired).toBe(true);
    expect(me.body.account.limits).toEqual({ monthlyCapMicros: 10_000_000, maxPerVideoMicros: 3_200_000, maxGenerationsPerHour: 5, maxInFlight: 2 });
    expect(me.body.account.period).toMatchObject({ spentMicros: 0, heldMicros: 0, remainingMicros: 10_000_000 });
  });

  it('quotes with cheaper options', async () => {
    const res = await request(h.server)
      .get('/v1/quote')
      .query({ model: 'veo-3.1-generate-001', durationSeconds: '8', resolution: '720p', generateAudio: 'true', numberOfVideos: '2' })
      .expect(200);
    expect(res.body.quote.totalMicros).toBe(6_400_000);
    expect(res.body.cheaperModels.map((q: { model: string }) => q.model)).toEqual(['veo-3.1-lite-generate-001', 'veo-3.1-fast-generate-001']);
    expect(res.body.shorterClips.map((q: { durationSeconds: number }) => q.durationSeconds)).toEqual([4, 6]);
  });

  it('shows prices, records consent, then accepts a generation: 202, hold written, one message published', async () => {
    const cookie = await signIn(h, 'alice@example.com');
    const onboarding = await request(h.server).get('/v1/onboarding').set('Cookie', cookie).expect(200);
    expect(onboarding.body.consentRequired).toBe(true);
    expect(onboarding.body.priceBook.rows.length).toBeGreaterThan(0);
    await request(h.server)
      .post('/v1/onboarding/consent')
      .set('Cookie', cookie)
      .set('Origin', ORIGIN)
      .send({ priceBookVersion: onboarding.body.priceBook.version, maxUsdPerVideo: '1.00', allowCheaperModel: true })
      .expect(200);

    const key = randomUUID();
    const created = await request(h.server).post('/v1/generations').set('Cookie', cookie).set('Origin', ORIGIN).set('Idempotency-Key', key).send(generationBody()).expect(202);
    expect(created.body).toMatchObject({ status: 'queued', holdMicros: 320_000, quote: { totalMicros: 320_000, model: 'veo-3.1-fast-generate-001' } });
    expect(created.headers.location).toBe(`/v1/generations/${created.body.id}`);

    const replay = await request(h.server).post('/v1/generations').set('Cookie', cookie).set('Origin', ORIGIN).set('Idempotency-Key', key).send(generationBody()).expect(202);
    expect(replay.body.id).toBe(created.body.id);
    expect(replay.headers['idempotent-replayed']).toBe('true');

    const got = await request(h.server).get(`/v1/generations/${created.body.id}`).set('Cookie', cookie).expect(200);
    expect(got.body).toMatchObject({ id: created.body.id, status: 'queued', holdMicros: 320_000, costMicros: null });

    const me = await request(h.server).get('/v1/me').set('Cookie', cookie).expect(200);
    expect(me.body.account.period).toMatchObject({ heldMicros: 320_000, spentMicros: 0, remainingMicros: 10_000_000 - 320_000 });
    expect(await h.published()).toEqual([created.body.id]);
    expect(await checkAccountInvariants(h.db, me.body.account.id)).toEqual([]);
  });

  it('lists generations newest first with a cursor, cancels a queued one and shows usage', async () => {
    const { cookie, accountId } = await onboardedUser(h, 'lister@example.com');
    const ids: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const res = await request(h.server).post('/v1/generations').set('Cookie', cookie).set('Origin', ORIGIN).set('Idempotency-Key', randomUUID()).send(generationBody({ prompt: `clip ${i}` })).expect(202);
      ids.push(res.body.id);
      await new Promise((r) => setTimeout(r, 5));
    }
    const page1 = await request(h.server).get('/v1/generations').query({ limit: 1 }).set('Cookie', cookie).expect(200);
    expect(page1.body.generations.map((g: { id: string }) => g.id)).toEqual([ids[1]]);
    const page2 = await request(h.server).get('/v1/generations').query({ limit: 1, cursor: page1.body.nextCursor }).set('Cookie', cookie).expect(200);
    expect(page2.body.generations.map((g: { id: string }) => g.id)).toEqual([ids[0]]);
    expect(page2.body.nextCursor).toBeNull();

    const cancelled = await request(h.server).post(`/v1/generations/${ids[0]}/cancel`).set('Cookie', cookie).set('Origin', ORIGIN).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', costMicros: 0 });
    const usage = await request(h.server).get('/v1/usage').set('Cookie', cookie).expect(200);
    expect(usage.body).toMatchObject({ spentMicros: 0, heldMicros: 320_000, remainingMicros: 10_000_000 - 320_000 });
    expect(usage.body.byModel).toEqual([{ model: 'veo-3.1-fast-generate-001', spentMicros: 0, settledGenerations: 0, releasedGenerations: 1 }]);
    expect(await checkAccountInvariants(h.db, accountId)).toEqual([]);
  });

  it('serves an OpenAPI 3.1 document generated from the schemas', async () => {
    const res = await request(h.server).get('/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(res.body.paths['/v1/generations'].post.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['prompt', 'model', 'durationSeconds']),
    );
    expect(res.body.paths['/v1/generations/{id}'].get).toBeDefined();
  });

  it('logs out: the session is revoked server-side', async () => {
    const cookie = await signIn(h, 'leaver@example.com');
    await request(h.server).get('/v1/me').set('Cookie', cookie).expect(200);
    await request(h.server).post('/auth/logout').set('Cookie', cookie).set('Origin', ORIGIN).expect(204);
    await request(h.server).get('/v1/me').set('Cookie', cookie).expect(401);
  });

  it('lets the admin pause and resume generation, audited, and see an account', async () => {
    const admin = await signIn(h, 'admin@example.com');
    const { cookie, accountId } = await onboardedUser(h, 'paused.customer@example.com');
    await request(h.server).post('/v1/admin/controls').set('Cookie', admin).set('Origin', ORIGIN).send({ action: 'pause', reason: 'incident 42' }).expect(200);
    const refused = await request(h.server).post('/v1/generations').set('Cookie', cookie).set('Origin', ORIGIN).set('Idempotency-Key', randomUUID()).send(generationBody()).expect(503);
    expect(refused.body.error.code).toBe('GENERATION_PAUSED');
    expect(refused.headers['retry-after']).toBeDefined();
    const controls = await request(h.server).get('/v1/admin/controls').set('Cookie', admin).expect(200);
    expect(controls.body).toMatchObject({ generationPaused: true, reason: 'incident 42', by: 'admin:admin@example.com' });
    await request(h.server).post('/v1/admin/controls').set('Cookie', admin).set('Origin', ORIGIN).send({ action: 'resume', reason: 'incident over' }).expect(200);
    await request(h.server).post('/v1/generations').set('Cookie', cookie).set('Origin', ORIGIN).set('Idempotency-Key', randomUUID()).send(generationBody()).expect(202);
    const audit = await h.db.collection('controlsAudit').get();
    expect(audit.docs.map((d) => d.get('action')).sort()).toEqual(['pause', 'resume']);

    const patched = await request(h.server)
      .patch(`/v1/admin/accounts/${accountId}`)
      .set('Cookie', admin)
      .set('Origin', ORIGIN)
      .send({ limits: { monthlyCapMicros: 50_000_000 }, creditDeltaMicros: 2_000_000, reason: 'enterprise trial' })
      .expect(200);
    expect(patched.body.account).toMatchObject({ limits: { monthlyCapMicros: 50_000_000 }, creditMicros: 2_000_000 });
    const view = await request(h.server).get(`/v1/admin/accounts/${accountId}`).set('Cookie', admin).expect(200);
    expect(view.body.entries.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['adjust', 'hold']));
    expect(await checkAccountInvariants(h.db, accountId)).toEqual([]);
  });
});

describe('operator reconciliation of an unknown start', () => {
  it('lets an admin release the hold of a generation whose start outcome is unknown, once, audited', async () => {
    const admin = await signIn(h, 'admin@example.com');
    const { cookie, accountId } = await onboardedUser(h, 'unknown.start@example.com');
    const created = await request(h.server).post('/v1/generations').set('Cookie', cookie).set('Origin', ORIGIN).set('Idempotency-Key', randomUUID()).send(generationBody()).expect(202);
    const id = created.body.id as string;
    const resolve = (body: object, who = admin) => request(h.server).post(`/v1/admin/generations/${id}/resolve`).set('Cookie', who).set('Origin', ORIGIN).send(body);

    expect((await resolve({ outcome: 'release', reason: 'not unknown yet' })).status).toBe(409);
    await h.db.doc(`generations/${id}`).update({ status: 'unknown', error: { code: 'START_OUTCOME_UNKNOWN', message: 'x' } });
    expect((await resolve({ outcome: 'release', reason: 'customer tries' }, cookie)).status).toBe(403);

    const done = await resolve({ outcome: 'release', reason: 'Vertex billing shows no operation for these labels' }).expect(200);
    expect(done.body).toMatchObject({ resolvedNow: true, generation: { status: 'failed', costMicros: 0, error: { code: 'RECONCILED' } } });
    const again = await resolve({ outcome: 'settle', videosReturned: 1, reason: 'double click' }).expect(200);
    expect(again.body.resolvedNow).toBe(false);

    const me = await request(h.server).get('/v1/me').set('Cookie', cookie).expect(200);
    expect(me.body.account).toMatchObject({ inFlight: 0, period: { heldMicros: 0, spentMicros: 0 } });
    const audit = await h.db.collection('adminAudit').where('generationId', '==', id).get();
    expect(audit.size).toBe(1);
    expect(await checkAccountInvariants(h.db, accountId)).toEqual([]);
  });
});
