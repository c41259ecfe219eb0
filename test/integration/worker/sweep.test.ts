import { PubSub } from '@google-cloud/pubsub';
import request from 'supertest';
import { pubsubGenerationQueue } from '../../../functions/src/adapters/pubsub/generationQueue';
import { generationRef } from '../../../functions/src/adapters/firestore/refs';
import { sweep, type SweepDeps } from '../../../functions/src/app/sweep';
import { createGoogleIdentityProvider, localOidcSignInOptions } from '../../../functions/src/adapters/google-oauth';
import { Logger } from '../../../functions/src/logger';
import { startLocalOidc, type LocalOidc } from '../../../scripts/local-oidc';
import { seedAccount, setControls, testProject } from '../../helpers/firestore';
import { ledgerSnapshot, reserve } from '../../helpers/ledger';
import { FAST_REQUEST_MICROS } from '../../helpers/requests';
import { startWorkerHarness, type WorkerHarness } from '../../helpers/workerHarness';

const { db, projectId } = testProject('sweep');
const log = new Logger({ component: 'test' });
let w: WorkerHarness;
let pubsub: PubSub;
let received: string[];
let subscriptionToClose: { close(): Promise<void> } | undefined;
let deps: SweepDeps;

beforeAll(async () => {
  w = await startWorkerHarness(db);
  pubsub = new PubSub({ projectId });
  const [topic] = await pubsub.createTopic('generation-requests');
  const [subscription] = await topic.createSubscription('sweep-count');
  subscriptionToClose = subscription;
  received = [];
  subscription.on('message', (m) => {
    received.push(JSON.parse(m.data.toString()).generationId);
    m.ack();
  });
  deps = {
    db,
    queue: pubsubGenerationQueue(projectId, 'generation-requests'),
    worker: w.deps({ workerId: 'sweeper', limits: { pollBudgetMs: 0 } }),
    limits: { batchLimit: 50, republishAfterMs: 120_000, maxAccountsChecked: 100 },
    platformCapMicros: null,
  };
});
afterAll(async () => {
  await subscriptionToClose?.close();
  await pubsub.close();
  await w.stop();
  await db.terminate();
});
beforeEach(() => {
  received.length = 0;
});

const waitForMessages = () => new Promise((r) => setTimeout(r, 1500));

describe('sweep (Firestore + Pub/Sub emulators, simulated Veo)', () => {
  it('expires unstarted holds, republishes stuck queued work once, marks dead starts unknown, finishes orphaned running work, and finds no violations', async () => {
    const accountId = await seedAccount(db);
    const now = w.clock.nowMs();
    const expiring = await reserve(db, accountId, { holdTtlMs: 500 });
    const stuck = await reserve(db, accountId, { holdTtlMs: 3_600_000 });
    await generationRef(db, stuck.generationId).update({ updatedAtMs: now - 10 * 60_000 });
    const dead = await reserve(db, accountId);
    await generationRef(db, dead.generationId).update({ status: 'starting', attempts: 1, lease: { owner: 'gone', untilMs: now - 1 } });
    // A running generation whose worker died after Veo accepted it.
    const orphan = await reserve(db, accountId);
    const { operationName } = await deps.worker.videoModel.start({
      generationId: orphan.generationId,
      accountId,
      model: 'veo-3.1-fast-generate-001',
      prompt: 'orphan',
      durationSeconds: 4,
      resolution: '720p',
      aspectRatio: '16:9',
      generateAudio: false,
      numberOfVideos: 1,
    });
    await generationRef(db, orphan.generationId).update({ status: 'running', operationName, startedAtMs: now, lease: { owner: 'gone', untilMs: now - 1 } });

    const report = await sweep(deps, log);
    const second = await sweep(deps, log);
    await waitForMessages();

    expect(report).toMatchObject({ expired: 1, republished: 1, orphanedStarts: 1, resumed: { settled: 1 }, invariantViolations: 0, platformViolations: 0 });
    expect(report.unknown).toEqual([dead.generationId]);
    expect(second).toMatchObject({ expired: 0, republished: 0, orphanedStarts: 0, resumed: {} });
    expect(received).toEqual([stuck.generationId]);
    const ledger = await ledgerSnapshot(db, accountId);
    const status = Object.fromEntries(ledger.generations.map((g) => [g.id, g.status]));
    expect(status).toEqual({
      [expiring.generationId]: 'expired',
      [stuck.generationId]: 'queued',
      [dead.generationId]: 'unknown',
      [orphan.generationId]: 'succeeded',
    });
    expect(w.startsFor(orphan.generationId)).toBe(1);
    expect(w.startsFor(dead.generationId)).toBe(0);
    // stuck + dead (kept for reconciliation) still hold; orphan settled; expiring released.
    expect(ledger.account).toMatchObject({ heldMicros: 2 * FAST_REQUEST_MICROS, spentMicros: FAST_REQUEST_MICROS });
    expect(ledger.violations).toEqual([]);
  });

  it('does not republish queued work while generation is paused', async () => {
    const accountId = await seedAccount(db);
    const stuck = await reserve(db, accountId, { holdTtlMs: 3_600_000 });
    await generationRef(db, stuck.generationId).update({ updatedAtMs: w.clock.nowMs() - 10 * 60_000 });
    await setControls(db, { generationPaused: true });
    try {
      expect((await sweep(deps, log)).republished).toBe(0);
    } finally {
      await setControls(db, {});
    }
  });
});

describe('sweeper HTTP function: Cloud Scheduler OIDC', () => {
  let oidc: LocalOidc;
  let server: import('node:http').Server;
  const audience = 'http://127.0.0.1:3003/sweeper';
  const schedulerEmail = 'scheduler@reelguard-local.iam.gserviceaccount.com';

  beforeAll(async () => {
    oidc = await startLocalOidc({});
    const identity = createGoogleIdentityProvider(localOidcSignInOptions({ issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: oidc.clientSecret }));
    const { setSweeperDepsForTests } = require('../../../functions/src/functions/sweeper') as typeof import('../../../functions/src/functions/sweeper');
    setSweeperDepsForTests({ sweep: deps, identity, audience, allowedEmails: [schedulerEmail], mode: 'local' });
    require('../../../functions/src/index');
    const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
    server = getTestServer('sweeper');
  });
  afterAll(async () => {
    await oidc.stop();
  });

  it('refuses a call without a token (401) and a token from another service account or audience (403/401)', async () => {
    expect((await request(server).post('/')).status).toBe(401);
    const stranger = oidc.signSchedulerToken({ serviceAccountEmail: 'intruder@evil.iam.gserviceaccount.com', audience });
    expect((await request(server).post('/').set('Authorization', `Bearer ${stranger}`)).status).toBe(403);
    const wrongAudience = oidc.signSchedulerToken({ serviceAccountEmail: schedulerEmail, audience: 'http://elsewhere/' });
    expect((await request(server).post('/').set('Authorization', `Bearer ${wrongAudience}`)).status).toBe(401);
  });

  it('runs a sweep for the scheduler', async () => {
    const token = oidc.signSchedulerToken({ serviceAccountEmail: schedulerEmail, audience });
    const res = await request(server).post('/').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ invariantViolations: 0 });
  });
});
