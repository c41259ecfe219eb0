import { markOrphanedStart } from '../../../functions/src/adapters/firestore/generationLifecycle';
import { generationRef } from '../../../functions/src/adapters/firestore/refs';
import { runGeneration } from '../../../functions/src/app/runGeneration';
import { sweep } from '../../../functions/src/app/sweep';
import { pubsubGenerationQueue } from '../../../functions/src/adapters/pubsub/generationQueue';
import { Logger } from '../../../functions/src/logger';
import type { VideoModel } from '../../../functions/src/ports/videoModel';
import { seedAccount, testProject } from '../../helpers/firestore';
import { ledgerSnapshot, reserve } from '../../helpers/ledger';
import { FAST_REQUEST_MICROS } from '../../helpers/requests';
import { startWorkerHarness, type WorkerHarness } from '../../helpers/workerHarness';

const { db, projectId } = testProject('recovery');
const log = new Logger({ component: 'test' });
let w: WorkerHarness;

beforeAll(async () => {
  w = await startWorkerHarness(db);
});
afterAll(async () => {
  await w.stop();
  await db.terminate();
});
afterEach(() => {
  w.sim.reset();
  w.sim.faults.set({ latencyMs: 0 });
});

const generation = async (id: string) => (await generationRef(db, id).get()).data()!;

describe('recovering generations that lost track of Veo', () => {
  it('given a start call that outlived its lease (marked unknown meanwhile), the operation name is still recorded and the video settles once', async () => {
    const accountId = await seedAccount(db);
    const { generationId } = await reserve(db, accountId);
    const base = w.deps();
    // Veo answers only after the sweeper has already given the start up as orphaned.
    const slowVeo: VideoModel = {
      start: async (request) => {
        const accepted = await base.videoModel.start(request);
        w.clock.advance(base.limits.leaseMs + 1);
        expect(await markOrphanedStart(db, { generationId, nowMs: w.clock.nowMs() })).not.toBeNull();
        return accepted;
      },
      poll: (name) => base.videoModel.poll(name),
    };

    expect(await runGeneration({ ...base, videoModel: slowVeo }, generationId, log)).toBe('settled');

    expect(await generation(generationId)).toMatchObject({ status: 'succeeded', costMicros: FAST_REQUEST_MICROS });
    expect(w.startsFor(generationId)).toBe(1);
    expect((await ledgerSnapshot(db, accountId)).violations).toEqual([]);
  });

  it('given an operation past its deadline (unknown), the sweeper keeps polling it and settles it when Veo finishes', async () => {
    const accountId = await seedAccount(db);
    const { generationId } = await reserve(db, accountId);
    w.sim.faults.set({ latencyMs: 3_600_000 });
    const deps = w.deps({ limits: { operationDeadlineMs: 1_000, pollBudgetMs: 60_000 } });
    expect(await runGeneration(deps, generationId, log)).toBe('unknown');
    expect(await generation(generationId)).toMatchObject({ status: 'unknown', error: { code: 'OPERATION_DEADLINE' } });
    expect((await ledgerSnapshot(db, accountId)).account.inFlight).toBe(1);

    w.sim.finishAll();
    const report = await sweep(
      { db, queue: pubsubGenerationQueue(projectId, 'unused'), worker: w.deps({ workerId: 'sweeper', limits: { pollBudgetMs: 0 } }), limits: { batchLimit: 50, republishAfterMs: 3_600_000, maxAccountsChecked: 50 }, platformCapMicros: null },
      log,
    );

    expect(report.resumed).toMatchObject({ settled: 1 });
    expect(await generation(generationId)).toMatchObject({ status: 'succeeded', costMicros: FAST_REQUEST_MICROS });
    const ledger = await ledgerSnapshot(db, accountId);
    expect(ledger.account).toMatchObject({ heldMicros: 0, inFlight: 0, spentMicros: FAST_REQUEST_MICROS });
    expect(w.startsFor(generationId)).toBe(1);
    expect(ledger.violations).toEqual([]);
  });

  it('stores a client-safe error when Veo refuses, keeping Vertex details out of the generation', async () => {
    const accountId = await seedAccount(db);
    const { generationId } = await reserve(db, accountId);
    w.sim.faults.set({ failNextStarts: { status: 403, count: 1, message: 'Permission denied on resource project my-prod-project-123' } });
    expect(await runGeneration(w.deps(), generationId, log)).toBe('failed');
    const g = await generation(generationId);
    expect(g.error).toEqual({ code: 'VEO_REJECTED', message: 'Veo refused the request (HTTP 403); nothing was charged.' });
  });
});
