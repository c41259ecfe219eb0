import { generationRef } from '../../../functions/src/adapters/firestore/refs';
import { runGeneration, type RunOutcome } from '../../../functions/src/app/runGeneration';
import { Logger } from '../../../functions/src/logger';
import { seedAccount, setControls, testFirestore } from '../../helpers/firestore';
import { ledgerSnapshot, reserve, settleAll } from '../../helpers/ledger';
import { FAST_REQUEST_MICROS, fastRequest } from '../../helpers/requests';
import { startWorkerHarness, type WorkerHarness } from '../../helpers/workerHarness';

const db = testFirestore('worker');
const log = new Logger({ component: 'test' });
let w: WorkerHarness;

beforeAll(async () => {
  w = await startWorkerHarness(db);
});
afterAll(async () => {
  await w.stop();
  await db.terminate();
});
afterEach(async () => {
  w.sim.reset();
  w.sim.faults.set({ latencyMs: 0 });
  await setControls(db, {});
});

async function queued(numberOfVideos = 1) {
  const accountId = await seedAccount(db);
  const { generationId } = await reserve(db, accountId, { request: fastRequest({ numberOfVideos }) });
  return { accountId, generationId };
}

const generation = async (id: string) => (await generationRef(db, id).get()).data()!;

describe('runGeneration against the simulated Veo and the Firestore emulator', () => {
  it('starts Veo once, copies a playable video to our storage and settles exactly the quote', async () => {
    const { accountId, generationId } = await queued();

    expect(await runGeneration(w.deps(), generationId, log)).toBe('settled');

    const g = await generation(generationId);
    expect(g).toMatchObject({ status: 'succeeded', costMicros: FAST_REQUEST_MICROS, videosReturned: 1, filteredCount: 0, lease: null });
    expect(g.operationName).toMatch(/\/operations\//);
    const video = await fetch(g.videos[0]!.url);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await video.arrayBuffer()).subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(w.startsFor(generationId)).toBe(1);
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account).toMatchObject({ spentMicros: FAST_REQUEST_MICROS, heldMicros: 0, inFlight: 0 });
    expect(ledger.violations).toEqual([]);
  });

  it('given each message delivered 3 times at once (three workers), Veo is started exactly once and charged once', async () => {
    const { accountId, generationId } = await queued();
    w.sim.faults.set({ latencyMs: 300 });

    // A poll budget long enough that the first worker keeps its lease until the video is done.
    const outcome = await settleAll([1, 2, 3].map((n) => runGeneration(w.deps({ workerId: `worker-${n}`, limits: { pollBudgetMs: 3_600_000 } }), generationId, log)));

    expect(outcome.errors).toEqual({});
    expect(outcome.ok.filter((o) => o === 'settled')).toHaveLength(1);
    // The others found it leased (still running) or already settled, depending on timing.
    expect(outcome.ok.filter((o) => o === 'skipped-leased' || o === 'skipped-terminal')).toHaveLength(2);
    expect(w.startsFor(generationId)).toBe(1);
    // A late redelivery after settlement changes nothing either.
    expect(await runGeneration(w.deps({ workerId: 'worker-4' }), generationId, log)).toBe('skipped-terminal');
    expect(w.startsFor(generationId)).toBe(1);
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.entriesByKind).toEqual({ hold: 1, settle: 1 });
    expect(ledger.account.spentMicros).toBe(FAST_REQUEST_MICROS);
    expect(ledger.violations).toEqual([]);
  });

  it('given 1 of 2 videos filtered, charges for 1 and releases the rest', async () => {
    const { accountId, generationId } = await queued(2);
    w.sim.faults.set({ filtered: { count: 1 } });

    expect(await runGeneration(w.deps(), generationId, log)).toBe('settled');

    expect(await generation(generationId)).toMatchObject({ status: 'succeeded', costMicros: FAST_REQUEST_MICROS, videosReturned: 1, filteredCount: 1 });
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account).toMatchObject({ spentMicros: FAST_REQUEST_MICROS, heldMicros: 0 });
    expect(ledger.violations).toEqual([]);
  });

  it('given every video filtered, charges nothing and releases the hold', async () => {
    const { accountId, generationId } = await queued(2);
    w.sim.faults.set({ filtered: { count: 2 } });

    expect(await runGeneration(w.deps(), generationId, log)).toBe('failed');

    expect(await generation(generationId)).toMatchObject({ status: 'failed', costMicros: 0, error: { code: 'VIDEOS_FILTERED' } });
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account).toMatchObject({ spentMicros: 0, heldMicros: 0 });
    expect(ledger.entriesByKind).toEqual({ hold: 1, release: 1 });
    expect(ledger.violations).toEqual([]);
  });

  it('given 429 then success, re-queues with backoff (nothing charged), then pays for one operation once', async () => {
    const { accountId, generationId } = await queued();
    w.sim.faults.set({ failNextStarts: { status: 429, count: 1 } });

    await expect(runGeneration(w.deps(), generationId, log)).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryable: true });
    const requeued = await generation(generationId);
    expect(requeued).toMatchObject({ status: 'queued', attempts: 1, lease: null });
    expect(requeued.nextAttemptAtMs).toBe(w.clock.nowMs() + 5_000);
    expect((await ledgerSnapshot(db, accountId)).account.spentMicros).toBe(0);
    // Redelivered before the backoff passed: not started, redelivered again later.
    await expect(runGeneration(w.deps(), generationId, log)).rejects.toMatchObject({ retryable: true });
    expect(w.sim.stats.refusedStarts).toBe(1);

    w.clock.advance(5_000);
    expect(await runGeneration(w.deps(), generationId, log)).toBe('settled');
    expect(w.startsFor(generationId)).toBe(1);
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account.spentMicros).toBe(FAST_REQUEST_MICROS);
    expect(ledger.entriesByKind).toEqual({ hold: 1, settle: 1 });
  });

  it('given 5xx on every attempt, gives up after the attempt limit and releases the hold', async () => {
    const { accountId, generationId } = await queued();
    w.sim.faults.set({ failNextStarts: { status: 503, count: 10 } });
    const outcomes: Array<RunOutcome | string> = [];
    for (let i = 0; i < 3; i += 1) {
      outcomes.push(await runGeneration(w.deps(), generationId, log).catch((e: { code: string }) => e.code));
      w.clock.advance(60_000);
    }
    expect(outcomes).toEqual(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_UNAVAILABLE', 'failed']);
    expect(await generation(generationId)).toMatchObject({ status: 'failed', error: { code: 'VEO_UNAVAILABLE' } });
    expect((await ledgerSnapshot(db, accountId)).account.heldMicros).toBe(0);
  });

  it.each([400, 403])('given %i from Veo, fails at once with a clear error and releases the hold', async (status) => {
    const { accountId, generationId } = await queued();
    w.sim.faults.set({ failNextStarts: { status: status as 400, count: 1, message: 'prompt rejected' } });

    expect(await runGeneration(w.deps(), generationId, log)).toBe('failed');

    const g = await generation(generationId);
    expect(g).toMatchObject({ status: 'failed', costMicros: 0, error: { code: 'VEO_REJECTED' } });
    expect(g.error!.message).toContain(String(status));
    expect((await ledgerSnapshot(db, accountId)).account.heldMicros).toBe(0);
  });

  it('given Veo accepted but the connection dropped, marks unknown, keeps the hold and never starts again', async () => {
    const { accountId, generationId } = await queued();
    w.sim.faults.set({ dropNextStarts: 1 });

    expect(await runGeneration(w.deps(), generationId, log)).toBe('unknown');
    expect(await runGeneration(w.deps({ workerId: 'other' }), generationId, log)).toBe('skipped-unknown');

    expect(w.startsFor(generationId)).toBe(1);
    expect(await generation(generationId)).toMatchObject({ status: 'unknown', error: { code: 'START_OUTCOME_UNKNOWN' } });
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account.heldMicros).toBe(FAST_REQUEST_MICROS);
    expect(ledger.violations).toEqual([]);
  });

  it('given a worker that died during the start call (lease expired in starting), the next delivery marks unknown and does not start', async () => {
    const { generationId } = await queued();
    await generationRef(db, generationId).update({ status: 'starting', lease: { owner: 'dead-worker', untilMs: w.clock.nowMs() - 1 }, attempts: 1 });

    expect(await runGeneration(w.deps(), generationId, log)).toBe('unknown');
    expect(w.startsFor(generationId)).toBe(0);
    expect((await generation(generationId)).status).toBe('unknown');
  });

  it('given a slow operation, hands over after the poll budget and settles when resumed, with one start', async () => {
    const { accountId, generationId } = await queued();
    w.sim.faults.set({ latencyMs: 1_500 });

    expect(await runGeneration(w.deps({ limits: { pollBudgetMs: 3_000 } }), generationId, log)).toBe('handed-over');
    expect(await generation(generationId)).toMatchObject({ status: 'running', lease: null });

    await new Promise((r) => setTimeout(r, 1_600));
    expect(await runGeneration(w.deps({ workerId: 'sweeper' }), generationId, log)).toBe('settled');
    expect(w.startsFor(generationId)).toBe(1);
    expect((await ledgerSnapshot(db, accountId)).account.spentMicros).toBe(FAST_REQUEST_MICROS);
  });

  it('given the operation ends in an error, fails and releases the hold', async () => {
    const { accountId, generationId } = await queued();
    w.sim.faults.set({ operationError: { code: 13, message: 'internal' } });
    expect(await runGeneration(w.deps(), generationId, log)).toBe('failed');
    expect(await generation(generationId)).toMatchObject({ status: 'failed', error: { code: 'VEO_OPERATION_FAILED' } });
    expect((await ledgerSnapshot(db, accountId)).account).toMatchObject({ heldMicros: 0, spentMicros: 0 });
  });

  it('given the platform is paused, does not start queued work (the hold stays until it expires or work resumes)', async () => {
    const { generationId } = await queued();
    await setControls(db, { generationPaused: true });
    expect(await runGeneration(w.deps(), generationId, log)).toBe('skipped-paused');
    expect(w.startsFor(generationId)).toBe(0);
    expect((await generation(generationId)).status).toBe('queued');
  });

  it('given a running generation when the pause starts, lets it finish and settle', async () => {
    const { accountId, generationId } = await queued();
    w.sim.faults.set({ latencyMs: 800 });
    expect(await runGeneration(w.deps({ limits: { pollBudgetMs: 1_000 } }), generationId, log)).toBe('handed-over');
    await setControls(db, { generationPaused: true });
    await new Promise((r) => setTimeout(r, 900));
    expect(await runGeneration(w.deps(), generationId, log)).toBe('settled');
    expect((await ledgerSnapshot(db, accountId)).account.spentMicros).toBe(FAST_REQUEST_MICROS);
  });
});
