import type { Firestore } from '@google-cloud/firestore';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalVideoStorage } from '../../functions/src/adapters/storage';
import { createVeoVideoModel, vertexLabelValue } from '../../functions/src/adapters/veo';
import type { RunGenerationDeps } from '../../functions/src/app/runGeneration';
import { fixedClock } from '../../functions/src/ports/clock';
import { startLocalVideoServer, type LocalVideoServer } from '../../scripts/local-storage/localVideoServer';
import { startSimVeo, type SimVeo, type SimVeoFaultsPatch } from '../../scripts/sim-veo';
import { TEST_NOW_MS } from './firestore';

export interface WorkerHarness {
  sim: SimVeo;
  videos: LocalVideoServer;
  videoDir: string;
  clock: ReturnType<typeof fixedClock>;
  deps(overrides?: Partial<Omit<RunGenerationDeps, 'limits'>> & { limits?: Partial<RunGenerationDeps['limits']> }): RunGenerationDeps;
  startsFor(generationId: string): number;
  stop(): Promise<void>;
}

/**
 * The worker's real dependencies: the Veo adapter talking to the simulated Veo over HTTP, local
 * video storage served over HTTP, and a clock that moves when the worker sleeps so poll budgets
 * and backoffs pass instantly.
 */
export async function startWorkerHarness(db: Firestore, faults: SimVeoFaultsPatch = {}): Promise<WorkerHarness> {
  for (const name of ['GOOGLE_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI']) delete process.env[name];
  const sim = await startSimVeo({ faults: { latencyMs: 0, ...faults } });
  const videoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reelguard-videos-'));
  const videos = await startLocalVideoServer({ dir: videoDir });
  const clock = fixedClock(TEST_NOW_MS + 1_000);
  const videoModel = createVeoVideoModel({
    project: 'reelguard-test',
    location: 'us-central1',
    baseUrl: sim.baseUrl,
    startTimeoutMs: 2_000,
    pollTimeoutMs: 2_000,
    auth: { kind: 'accessToken', accessToken: 'local-test-token' },
  });
  const storage = new LocalVideoStorage({ dir: videoDir, publicBaseUrl: videos.baseUrl });
  return {
    sim,
    videos,
    videoDir,
    clock,
    deps(overrides = {}) {
      const { limits, ...rest } = overrides;
      return {
        db,
        videoModel,
        storage,
        clock,
        async sleep(ms) {
          clock.advance(ms);
          await new Promise((r) => setTimeout(r, 20));
        },
        workerId: 'worker-test',
        limits: {
          leaseMs: 60_000,
          pollBudgetMs: 30_000,
          pollInitialMs: 1_000,
          pollMaxMs: 5_000,
          maxStartAttempts: 3,
          operationDeadlineMs: 30 * 60_000,
          requeueBaseMs: 5_000,
          requeueMaxMs: 60_000,
          ...limits,
        },
        ...rest,
      };
    },
    startsFor(generationId) {
      return sim.stats.acceptedStartsByGeneration[vertexLabelValue(generationId)] ?? 0;
    },
    async stop() {
      await sim.stop();
      await videos.stop();
      fs.rmSync(videoDir, { recursive: true, force: true });
    },
  };
}
