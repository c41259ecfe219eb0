import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { randomUUID } from 'node:crypto';
import { vertexLabelValue } from '../../../functions/src/adapters/veo';
import { checkAccountInvariants } from '../../../functions/src/adapters/firestore/ledgerInvariants';
import { generationRef } from '../../../functions/src/adapters/firestore/refs';
import { startStack, type Stack } from '../../../scripts/stack/startStack';
import { HttpClient } from '../../helpers/httpClient';

/**
 * The whole local stack as `npm start` runs it — every function its own process on the compiled
 * code, Pub/Sub push delivery, simulated Veo — driven over HTTP like a new user with curl.
 */
let stack: Stack;
let db: Firestore;

beforeAll(async () => {
  stack = await startStack({
    apiPort: 0,
    projectId: `stack-${randomUUID().slice(0, 8)}`,
    emulatorEnv: { FIRESTORE_EMULATOR_HOST: process.env.FIRESTORE_EMULATOR_HOST!, PUBSUB_EMULATOR_HOST: process.env.PUBSUB_EMULATOR_HOST!, METADATA_SERVER_DETECTION: 'none' },
    simVeoLatencyMs: 1_000,
    // The scheduler ticks fast here so recovery (which in production waits for the next minute) is quick.
    sweepIntervalMs: 2_000,
    functionEnv: { WORKER_LEASE_MS: '4000', VEO_START_TIMEOUT_MS: '2500', WORKER_POLL_INITIAL_MS: '300', WORKER_POLL_MAX_MS: '1000', LOG_LEVEL: 'INFO' },
  });
  db = new Firestore({ projectId: stack.projectId });
}, 60_000);
afterAll(async () => {
  await db?.terminate();
  await stack?.stop();
});
afterEach(() => {
  stack.sim.reset();
  stack.sim.faults.set({ latencyMs: 1_000 });
});

async function newCustomer(email: string): Promise<{ client: HttpClient; accountId: string }> {
  const client = new HttpClient(stack.urls.api);
  const me = await client.request('GET', `/auth/login?login_hint=${encodeURIComponent(email)}`, { follow: true });
  expect(me.status).toBe(200);
  const account = (await me.json()) as { account: { id: string } };
  const onboarding = await client.json('GET', '/v1/onboarding');
  const consent = await client.json('POST', '/v1/onboarding/consent', { body: { priceBookVersion: onboarding.body.priceBook.version, maxUsdPerVideo: 1, allowCheaperModel: true } });
  expect(consent.status).toBe(200);
  return { client, accountId: account.account.id };
}

const body = { prompt: 'a paper boat on a rainy street', model: 'veo-3.1-fast-generate-001', durationSeconds: 4 };

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const statusOf = async (id: string) => (await generationRef(db, id).get()).data()?.status;
const startsFor = (id: string) => stack.sim.stats.acceptedStartsByGeneration[vertexLabelValue(id)] ?? 0;

describe('local stack, end to end', () => {
  it('a new user signs in, consents, asks for a video, and gets a playable one charged exactly the quote', async () => {
    const { client, accountId } = await newCustomer('walkthrough@example.com');
    const created = await client.json('POST', '/v1/generations', { body, headers: { 'Idempotency-Key': randomUUID() } });
    expect(created.status).toBe(202);
    const id = created.body.id as string;

    const done = await waitFor('succeeded', async () => {
      const g = await client.json('GET', `/v1/generations/${id}`);
      return g.body.terminal ? g.body : undefined;
    });
    expect(done).toMatchObject({ status: 'succeeded', costMicros: created.body.quote.totalMicros });
    const video = await fetch(done.videos[0].url);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    const usage = await client.json('GET', '/v1/usage');
    expect(usage.body).toMatchObject({ spentMicros: created.body.quote.totalMicros, heldMicros: 0 });
    expect(startsFor(id)).toBe(1);
    expect(await checkAccountInvariants(db, accountId)).toEqual([]);
  });

  it('the same generation request delivered 3 times through Pub/Sub starts Veo once', async () => {
    stack.sim.faults.set({ latencyMs: 2_000 });
    const { client, accountId } = await newCustomer('triple@example.com');
    const created = await client.json('POST', '/v1/generations', { body, headers: { 'Idempotency-Key': randomUUID() } });
    const id = created.body.id as string;
    const pubsub = new PubSub({ projectId: stack.projectId });
    await Promise.all([1, 2].map(() => pubsub.topic('generation-requests').publishMessage({ json: { generationId: id, accountId } })));
    await pubsub.close();

    await waitFor('succeeded', async () => ((await statusOf(id)) === 'succeeded' ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_500));
    expect(startsFor(id)).toBe(1);
    expect(await checkAccountInvariants(db, accountId)).toEqual([]);
  });

  it('a worker killed after Veo accepted but before the operation name was stored: one start, generation unknown, hold kept', async () => {
    stack.sim.faults.set({ hangNextStarts: 1 });
    const { client, accountId } = await newCustomer('killed.before@example.com');
    const created = await client.json('POST', '/v1/generations', { body, headers: { 'Idempotency-Key': randomUUID() } });
    const id = created.body.id as string;
    await waitFor('Veo to accept the start', async () => (startsFor(id) === 1 ? true : undefined));
    expect(await statusOf(id)).toBe('starting');

    stack.functions.generationWorker.child.process.kill('SIGKILL');
    await stack.restartWorker();
    // Pub/Sub redelivers (the push never got an answer); while the dead worker's lease is live the
    // new worker leaves it alone, and once it has run out the sweeper (or a later delivery)
    // recognises the orphaned start. Never a second start.
    await waitFor('unknown', async () => ((await statusOf(id)) === 'unknown' ? true : undefined));

    expect(startsFor(id)).toBe(1);
    const me = await client.json('GET', '/v1/me');
    expect(me.body.account.period).toMatchObject({ heldMicros: created.body.holdMicros, spentMicros: 0 });
    expect(await checkAccountInvariants(db, accountId)).toEqual([]);
  });

  it('a worker killed after the operation name was stored: polling resumes, one start, charged once', async () => {
    stack.sim.faults.set({ latencyMs: 6_000 });
    const { client, accountId } = await newCustomer('killed.after@example.com');
    const created = await client.json('POST', '/v1/generations', { body, headers: { 'Idempotency-Key': randomUUID() } });
    const id = created.body.id as string;
    await waitFor('running', async () => ((await statusOf(id)) === 'running' ? true : undefined));

    stack.functions.generationWorker.child.process.kill('SIGKILL');
    await stack.restartWorker();

    // The redelivered message or the sweeper resumes polling the stored operation.
    await waitFor('succeeded', async () => ((await statusOf(id)) === 'succeeded' ? true : undefined));
    expect(startsFor(id)).toBe(1);
    const usage = await client.json('GET', '/v1/usage');
    expect(usage.body).toMatchObject({ spentMicros: created.body.quote.totalMicros, heldMicros: 0 });
    expect(await checkAccountInvariants(db, accountId)).toEqual([]);
  });
});
