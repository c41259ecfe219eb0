import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { withTamperedPayload } from '../../../scripts/local-oidc';
import { cookiePolicyFor } from '../../../functions/src/http/cookiePolicy';
import { ledgerSnapshot } from '../../helpers/ledger';
import { ORIGIN, cookieFrom, generationBody, onboardedUser, signIn, startApiHarness, type ApiHarness } from '../../helpers/apiHarness';
import { fuzzedBodies } from '../../helpers/fuzz';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness('security');
});
afterAll(() => h.stop());

const sessionCount = async () => (await h.db.collection('sessions').get()).size;

describe('authentication', () => {
  it.each([
    ['GET', '/v1/me'],
    ['GET', '/v1/usage'],
    ['GET', '/v1/generations'],
    ['GET', '/v1/generations/g_x'],
    ['POST', '/v1/generations'],
    ['POST', '/v1/onboarding/consent'],
    ['GET', '/v1/admin/controls'],
  ])('answers %s %s without credentials with 401', async (method, path) => {
    const res = await request(h.server)[method === 'GET' ? 'get' : 'post'](path).set('Origin', ORIGIN).send({});
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, Path=/ (no Secure only because this is http://127.0.0.1)', async () => {
    const login = await request(h.server).get('/auth/login').query({ login_hint: 'flags@example.com' });
    const authorize = await fetch(login.headers.location!, { redirect: 'manual' });
    const callback = new URL(authorize.headers.get('location')!);
    const done = await request(h.server).get(`${callback.pathname}${callback.search}`).set('Cookie', cookieFrom(login.headers['set-cookie'], 'login'));
    const sid = (done.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('sid='))!;
    expect(sid).toMatch(/; HttpOnly/);
    expect(sid).toMatch(/; SameSite=Lax/);
    expect(sid).toMatch(/; Path=\//);
    expect(sid).not.toMatch(/Secure/);
    expect(sid.split(';')[0]!.slice(4)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('uses __Host-sid with Secure on https', () => {
    const policy = cookiePolicyFor('https://api.reelguard.example');
    expect(policy.session('abc', 60)).toBe('__Host-sid=abc; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60');
    expect(() => cookiePolicyFor('http://api.reelguard.example')).toThrow(/https/);
  });

  it('issues a new session id at every sign-in and ends the one the browser had', async () => {
    const old = await signIn(h, 'rotate@example.com');
    const login = await request(h.server).get('/auth/login').query({ login_hint: 'rotate@example.com' }).set('Cookie', old);
    const authorize = await fetch(login.headers.location!, { redirect: 'manual' });
    const callback = new URL(authorize.headers.get('location')!);
    const done = await request(h.server)
      .get(`${callback.pathname}${callback.search}`)
      .set('Cookie', `${cookieFrom(login.headers['set-cookie'], 'login')}; ${old}`)
      .expect(302);
    const fresh = cookieFrom(done.headers['set-cookie'], 'sid');
    expect(fresh).not.toBe(old);
    await request(h.server).get('/v1/me').set('Cookie', fresh).expect(200);
    await request(h.server).get('/v1/me').set('Cookie', old).expect(401);
  });

  it('stores only the hash of the session id', async () => {
    const cookie = await signIn(h, 'hashed@example.com');
    const sid = cookie.slice(4);
    const ids = (await h.db.collection('sessions').get()).docs.map((d) => d.id);
    expect(ids).not.toContain(sid);
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
  });

  it('refuses a forged state (not the one this browser started) with 400 and creates no session', async () => {
    const victim = await request(h.server).get('/auth/login').query({ login_hint: 'victim@example.com' });
    const attacker = await request(h.server).get('/auth/login').query({ login_hint: 'attacker@example.com' });
    const authorize = await fetch(attacker.headers.location!, { redirect: 'manual' });
    const callback = new URL(authorize.headers.get('location')!);
    const before = await sessionCount();
    const res = await request(h.server).get(`${callback.pathname}${callback.search}`).set('Cookie', cookieFrom(victim.headers['set-cookie'], 'login'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringMatching(/^sid=[^;]/)]));
    expect(await sessionCount()).toBe(before);
  });

  it('refuses a replayed callback (same state and code) with 400 and creates no second session', async () => {
    const login = await request(h.server).get('/auth/login').query({ login_hint: 'replay@example.com' });
    const loginCookie = cookieFrom(login.headers['set-cookie'], 'login');
    const authorize = await fetch(login.headers.location!, { redirect: 'manual' });
    const callback = new URL(authorize.headers.get('location')!);
    await request(h.server).get(`${callback.pathname}${callback.search}`).set('Cookie', loginCookie).expect(302);
    const before = await sessionCount();
    const replay = await request(h.server).get(`${callback.pathname}${callback.search}`).set('Cookie', loginCookie);
    expect(replay.status).toBe(400);
    expect(await sessionCount()).toBe(before);
  });

  it('refuses a callback without any state', async () => {
    expect((await request(h.server).get('/auth/callback').query({ code: 'x' })).status).toBe(400);
  });

  it('refuses an open redirect in return_to', async () => {
    for (const target of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      expect((await request(h.server).get('/auth/login').query({ return_to: target })).status).toBe(400);
    }
  });

  it('accepts a valid bearer ID token and refuses a tampered one with 401', async () => {
    const token = h.oidc.signIdToken({ email: 'robot@example.com', sub: 'robot-sub-1' });
    const ok = await request(h.server).get('/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(ok.body.email).toBe('robot@example.com');
    const tampered = withTamperedPayload(token, { sub: 'someone-else' });
    const res = await request(h.server).get('/v1/me').set('Authorization', `Bearer ${tampered}`);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHENTICATED');
    const wrongAudience = h.oidc.signIdToken({ aud: 'another-client' });
    expect((await request(h.server).get('/v1/me').set('Authorization', `Bearer ${wrongAudience}`)).status).toBe(401);
    expect((await request(h.server).get('/v1/me').set('Authorization', 'Basic abc')).status).toBe(401);
  });

  it('does not let an unverified email act as admin', async () => {
    const token = h.oidc.signIdToken({ email: 'admin@example.com', email_verified: false, sub: 'fake-admin' });
    expect((await request(h.server).get('/v1/admin/controls').set('Authorization', `Bearer ${token}`)).status).toBe(403);
  });
});

describe('CSRF: cookie-authenticated unsafe requests need an allowed Origin', () => {
  it.each([
    ['no Origin', undefined],
    ['a foreign Origin', 'https://evil.example'],
    ['a look-alike Origin', 'http://127.0.0.1:3000.evil.example'],
    ['null Origin', 'null'],
  ])('refuses POST /v1/generations with %s (403) and writes nothing', async (_name, origin) => {
    const { cookie, accountId } = await onboardedUser(h, `csrf-${randomUUID().slice(0, 6)}@example.com`);
    let req = request(h.server).post('/v1/generations').set('Cookie', cookie).set('Idempotency-Key', randomUUID());
    if (origin) req = req.set('Origin', origin);
    const res = await req.send(generationBody());
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect((await ledgerSnapshot(h.db, accountId)).entryCount).toBe(0);
  });

  it('refuses logout without Origin, so a foreign page cannot sign the user out', async () => {
    const cookie = await signIn(h, 'logout-csrf@example.com');
    expect((await request(h.server).post('/auth/logout').set('Cookie', cookie)).status).toBe(403);
    await request(h.server).get('/v1/me').set('Cookie', cookie).expect(200);
  });

  it('does not require Origin for bearer-token clients', async () => {
    const token = h.oidc.signIdToken({ email: 'cli@example.com', sub: 'cli-sub' });
    const me = await request(h.server).get('/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    await request(h.server)
      .post('/v1/onboarding/consent')
      .set('Authorization', `Bearer ${token}`)
      .send({ priceBookVersion: me.body.priceBookVersion, maxUsdPerVideo: 1 })
      .expect(200);
  });
});

describe('isolation between customers', () => {
  it("answers another user's generation with 404, for reading and cancelling", async () => {
    const alice = await onboardedUser(h, 'alice.iso@example.com');
    const bob = await onboardedUser(h, 'bob.iso@example.com');
    const { body } = await request(h.server).post('/v1/generations').set('Cookie', alice.cookie).set('Origin', ORIGIN).set('Idempotency-Key', randomUUID()).send(generationBody()).expect(202);
    expect((await request(h.server).get(`/v1/generations/${body.id}`).set('Cookie', bob.cookie)).status).toBe(404);
    expect((await request(h.server).post(`/v1/generations/${body.id}/cancel`).set('Cookie', bob.cookie).set('Origin', ORIGIN)).status).toBe(404);
    const list = await request(h.server).get('/v1/generations').set('Cookie', bob.cookie).expect(200);
    expect(list.body.generations).toEqual([]);
    expect((await request(h.server).get(`/v1/generations/${body.id}`).set('Cookie', alice.cookie)).status).toBe(200);
  });

  it('refuses admin routes to customers with 403', async () => {
    const { cookie, accountId } = await onboardedUser(h, 'not.admin@example.com');
    expect((await request(h.server).get('/v1/admin/controls').set('Cookie', cookie)).status).toBe(403);
    expect((await request(h.server).patch(`/v1/admin/accounts/${accountId}`).set('Cookie', cookie).set('Origin', ORIGIN).send({ creditDeltaMicros: 1e9, reason: 'free money' })).status).toBe(403);
    expect((await ledgerSnapshot(h.db, accountId)).account.creditMicros).toBe(0);
  });
});

describe('fuzzed input', () => {
  it('answers a body that is not JSON with a JSON 400 VALIDATION_FAILED and no internals', async () => {
    const { cookie } = await onboardedUser(h, 'badjson@example.com');
    const res = await request(h.server)
      .post('/v1/generations')
      .set('Cookie', cookie)
      .set('Origin', ORIGIN)
      .set('Idempotency-Key', randomUUID())
      .set('Content-Type', 'application/json')
      .send('{"prompt": ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.text).not.toMatch(/SyntaxError|node_modules|at /);
  });

  it('answers 1,000+ malformed generation and consent bodies with 4xx only and leaves the ledger unchanged', async () => {
    const { cookie, accountId } = await onboardedUser(h, 'fuzz@example.com');
    const before = await ledgerSnapshot(h.db, accountId);
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    const cases = fuzzedBodies(20261204, 1100);
    for (const fuzz of cases) {
      let req = request(h.server).post(fuzz.path).set('Cookie', cookie).set('Origin', ORIGIN).set('Idempotency-Key', randomUUID());
      req = req.set('Content-Type', fuzz.contentType);
      const res = await req.send(fuzz.raw);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status < 400 || res.status >= 500) throw new Error(`fuzz case answered ${res.status}: ${fuzz.raw.slice(0, 200)} → ${JSON.stringify(res.body)}`);
      codes.add(res.body?.error?.code ?? `no JSON error code (${res.headers['content-type']})`);
    }
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    expect([...codes]).toEqual(["VALIDATION_FAILED"]);
    console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    const after = await ledgerSnapshot(h.db, accountId);
    expect(after.account).toEqual(before.account);
    expect(after.entryCount).toBe(before.entryCount);
    expect(after.generations).toHaveLength(0);
  });
});
