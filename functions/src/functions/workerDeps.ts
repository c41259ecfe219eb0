import { randomUUID } from 'node:crypto';
import { firestoreFor } from '../adapters/firestore/client';
import { commonConfig, workerConfig } from '../config';
import type { RunGenerationDeps } from '../app/runGeneration';
import { systemClock } from '../ports/clock';
import type { VideoStorage } from '../ports/videoStorage';

/** Worker dependencies from the environment; the Veo and storage SDKs load on first use. */
export function buildRunGenerationDeps(): RunGenerationDeps {
  const common = commonConfig();
  const config = workerConfig();
  const { createVeoVideoModel } = require('../adapters/veo') as typeof import('../adapters/veo');
  const videoModel = createVeoVideoModel({
    project: common.projectId,
    location: config.VEO_LOCATION,
    ...(config.VEO_BASE_URL ? { baseUrl: config.VEO_BASE_URL } : {}),
    startTimeoutMs: config.VEO_START_TIMEOUT_MS,
    pollTimeoutMs: config.VEO_POLL_TIMEOUT_MS,
    auth: config.VEO_ACCESS_TOKEN ? { kind: 'accessToken', accessToken: config.VEO_ACCESS_TOKEN } : { kind: 'applicationDefault' },
  });
  return {
    db: firestoreFor(common.projectId),
    videoModel,
    storage: buildStorage(config),
    clock: systemClock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    workerId: `worker-${randomUUID()}`,
    limits: {
      leaseMs: config.WORKER_LEASE_MS,
      pollBudgetMs: config.WORKER_POLL_BUDGET_MS,
      pollInitialMs: config.WORKER_POLL_INITIAL_MS,
      pollMaxMs: config.WORKER_POLL_MAX_MS,
      maxStartAttempts: config.WORKER_MAX_START_ATTEMPTS,
      operationDeadlineMs: config.OPERATION_DEADLINE_MS,
      requeueBaseMs: config.WORKER_REQUEUE_BASE_MS,
      requeueMaxMs: config.WORKER_REQUEUE_MAX_MS,
    },
  };
}

function buildStorage(config: ReturnType<typeof workerConfig>): VideoStorage {
  const storage = require('../adapters/storage') as typeof import('../adapters/storage');
  if (config.LOCAL_VIDEO_DIR) {
    if (!config.LOCAL_VIDEO_BASE_URL) throw new Error('invalid worker configuration: LOCAL_VIDEO_BASE_URL is required with LOCAL_VIDEO_DIR');
    return new storage.LocalVideoStorage({ dir: config.LOCAL_VIDEO_DIR, publicBaseUrl: config.LOCAL_VIDEO_BASE_URL });
  }
  if (!config.VIDEO_BUCKET) throw new Error('invalid worker configuration: VIDEO_BUCKET (or LOCAL_VIDEO_DIR locally) is required');
  return new storage.GcsVideoStorage({
    bucket: config.VIDEO_BUCKET,
    url: config.VIDEO_URL_KIND === 'public' ? { kind: 'public' } : { kind: 'signed', expiresInMs: 7 * 24 * 3_600_000 },
  });
}
