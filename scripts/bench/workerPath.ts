import { Firestore } from '@google-cloud/firestore';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ensureAccount } from '../../functions/src/adapters/firestore/accounts';
import { accountRef } from '../../functions/src/adapters/firestore/refs';
import { reserveGeneration } from '../../functions/src/adapters/firestore/reserveGeneration';
import { LocalVideoStorage } from '../../functions/src/adapters/storage';
import { createVeoVideoModel } from '../../functions/src/adapters/veo';
import { loadPriceBooks } from '../../functions/src/adapters/priceBookFile';
import { runGeneration } from '../../functions/src/app/runGeneration';
import { currentPriceBook } from '../../functions/src/domain/priceBook';
import { Logger, setLogLevel } from '../../functions/src/logger';
import { systemClock } from '../../functions/src/ports/clock';
import type { VideoModel } from '../../functions/src/ports/videoModel';
import { startLocalVideoServer } from '../local-storage/localVideoServer';
import { startSimVeo } from '../sim-veo';
import { countOperations } from './countingFirestore';
import { formatSummary, summarize } from './stats';

/** Wraps the video model to add up the time spent waiting on Veo (start and polls). */
function timedVideoModel(inner: VideoModel): VideoModel & { veoMs: number } {
  const timed = {
    veoMs: 0,
    async start(request: Parameters<VideoModel['start']>[0]) {
      const t = performance.now();
      try {
        return await inner.start(request);
      } finally {
        timed.veoMs += performance.now() - t;
      }
    },
    async poll(name: string) {
      const t = performance.now();
      try {
        return await inner.poll(name);
      } finally {
        timed.veoMs += performance.now() - t;
      }
    },
  };
  return timed;
}

/**
 * One generation end to end through the real adapters (reserve → claim → start → store the
 * operation → poll → copy → settle) against the simulated Veo answering at once: Firestore
 * operations per generation, and the worker's own time with Veo's time taken out.
 */
export async function benchWorkerPath(options: { generations: number }): Promise<string[]> {
  setLogLevel('ERROR');
  for (const name of ['GOOGLE_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI']) delete process.env[name];
  const db = new Firestore({ projectId: `bench-worker-${Date.now()}`, ignoreUndefinedProperties: true });
  const sim = await startSimVeo({ faults: { latencyMs: 0 } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reelguard-bench-'));
  const videos = await startLocalVideoServer({ dir });
  const videoModel = timedVideoModel(
    createVeoVideoModel({ project: 'bench', location: 'us-central1', baseUrl: sim.baseUrl, startTimeoutMs: 10_000, pollTimeoutMs: 10_000, auth: { kind: 'accessToken', accessToken: 'bench' } }),
  );
  const storage = new LocalVideoStorage({ dir, publicBaseUrl: videos.baseUrl });
  const nowMs = Date.now();
  const book = currentPriceBook(loadPriceBooks(), nowMs);
  const accountId = 'bench-worker';
  await ensureAccount(db, { accountId, ownerUid: 'bench', email: 'bench@bench', plan: 'bench', billingMode: 'payg', limits: { monthlyCapMicros: 1e12, maxPerVideoMicros: 1e9, maxGenerationsPerHour: 1e6, maxInFlight: 1e6 }, nowMs });
  await accountRef(db, accountId).update({ consent: { priceBookVersion: book.version, maxMicrosPerVideo: 1e9, allowCheaperModel: false, atMs: nowMs } });
  const deps = {
    db,
    videoModel,
    storage,
    clock: systemClock,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
    workerId: 'bench-worker',
    limits: { leaseMs: 60_000, pollBudgetMs: 30_000, pollInitialMs: 10, pollMaxMs: 50, maxStartAttempts: 3, operationDeadlineMs: 600_000, requeueBaseMs: 1000, requeueMaxMs: 1000 },
  };
  const log = new Logger({ component: 'bench' });
  const { counts, reset } = countOperations(db);
  const overheadMs: number[] = [];
  const totalMs: number[] = [];
  let reads = 0;
  let writes = 0;
  for (let i = 0; i < options.generations; i += 1) {
    reset();
    videoModel.veoMs = 0;
    const started = performance.now();
    const { generationId } = await reserveGeneration(db, {
      accountId,
      idempotencyKey: randomUUID(),
      request: { prompt: `bench ${i}`, model: 'veo-3.1-fast-generate-001', durationSeconds: 4, resolution: '720p', aspectRatio: '16:9', generateAudio: false, numberOfVideos: 1 },
      priceBook: book,
      nowMs: Date.now(),
      holdTtlMs: 3_600_000,
      source: 'bench',
      trace: null,
      actor: 'bench',
    });
    const workerStarted = performance.now();
    const outcome = await runGeneration(deps, generationId, log);
    if (outcome !== 'settled') throw new Error(`bench generation ended ${outcome}`);
    const workerMs = performance.now() - workerStarted;
    overheadMs.push(workerMs - videoModel.veoMs);
    totalMs.push(performance.now() - started);
    reads += counts.reads;
    writes += counts.writes;
  }
  await db.terminate();
  await sim.stop();
  await videos.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return [
    `firestore ops per generation, end to end        reads ${(reads / options.generations).toFixed(1)}  writes ${(writes / options.generations).toFixed(1)}  (reserve, claim, operation stored, settle)`,
    formatSummary('worker overhead per generation (Veo excluded)', summarize(overheadMs)),
    formatSummary('reserve + worker, simulated Veo at 0 latency', summarize(totalMs)),
  ];
}
