import type { Firestore } from '@google-cloud/firestore';
import { randomUUID } from 'node:crypto';
import { claimGeneration, markRunning, markUnknown, releaseLease, requeueGeneration } from '../adapters/firestore/generationLifecycle';
import { releaseGeneration, settleGeneration } from '../adapters/firestore/resolveGeneration';
import type { GenerationDoc } from '../adapters/firestore/schemas';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import type { Clock } from '../ports/clock';
import { VideoModelError, type OperationState, type VideoModel } from '../ports/videoModel';
import type { StoredVideo, VideoStorage } from '../ports/videoStorage';

export interface RunGenerationDeps {
  db: Firestore;
  videoModel: VideoModel;
  storage: VideoStorage;
  clock: Clock;
  sleep(ms: number): Promise<void>;
  /** Unique per worker instance: the lease owner. */
  workerId: string;
  limits: {
    leaseMs: number;
    /** How long one invocation polls before handing over to the sweeper (waiting is billed). */
    pollBudgetMs: number;
    pollInitialMs: number;
    pollMaxMs: number;
    maxStartAttempts: number;
    /** A running operation older than this is no longer polled: it becomes `unknown` for reconciliation. */
    operationDeadlineMs: number;
    requeueBaseMs: number;
    requeueMaxMs: number;
  };
}

export type RunOutcome =
  | 'settled'
  | 'failed'
  | 'requeued'
  | 'unknown'
  | 'handed-over'
  | 'skipped-missing'
  | 'skipped-terminal'
  | 'skipped-leased'
  | 'skipped-paused'
  | 'skipped-unknown';

/**
 * Runs one generation request message. Every message may be a redelivery: the stored status
 * decides. `queued` → start Veo once; `running` → poll the stored operation, never start again;
 * `starting` with a dead lease → `unknown`. Throws only retryable DomainErrors, so Pub/Sub
 * redelivers exactly when trying again can help.
 */
export async function runGeneration(instanceDeps: RunGenerationDeps, generationId: string, baseLog: Logger): Promise<RunOutcome> {
  // The lease owner is this invocation, not the instance: two messages for one generation on the
  // same instance must not mistake each other's lease for their own.
  const deps: RunGenerationDeps = { ...instanceDeps, workerId: `${instanceDeps.workerId}/${randomUUID().slice(0, 8)}` };
  const claim = await claimGeneration(deps.db, { generationId, owner: deps.workerId, nowMs: deps.clock.nowMs(), leaseMs: deps.limits.leaseMs });
  const generation = claim.generation;
  const log = baseLog.child({ generationId, ...(generation ? { accountId: generation.accountId, trace: generation.trace ?? undefined } : {}) });

  switch (claim.kind) {
    case 'skip':
      if (claim.reason === 'not-due') {
        // Re-queued after a refusal; let Pub/Sub bring it back after its backoff.
        throw new DomainError('UPSTREAM_UNAVAILABLE', 'generation is waiting for its next start attempt', { retryable: true, details: { generationId } });
      }
      log.info('generation message skipped', { reason: claim.reason, status: claim.generation?.status });
      return `skipped-${claim.reason}` as RunOutcome;
    case 'orphaned':
      log.error('generation start outcome unknown: the previous worker stopped during the Veo start call; hold kept for reconciliation', {
        holdMicros: claim.generation.holdMicros,
      });
      return 'unknown';
    case 'start':
      return startAndFollow(deps, generationId, claim.generation, log);
    case 'resume':
      log.info('resuming a running operation', { operationName: claim.generation.operationName });
      return follow(deps, generationId, claim.generation, log);
  }
}

async function startAndFollow(deps: RunGenerationDeps, generationId: string, generation: GenerationDoc, log: Logger): Promise<RunOutcome> {
  const r = generation.request;
  let operationName: string;
  try {
    log.info('starting Veo', { model: r.model, attempt: generation.attempts, holdMicros: generation.holdMicros });
    ({ operationName } = await deps.videoModel.start({
      generationId,
      accountId: generation.accountId,
      model: r.model,
      prompt: r.prompt,
      ...(r.negativePrompt ? { negativePrompt: r.negativePrompt } : {}),
      durationSeconds: r.durationSeconds,
      resolution: r.resolution,
      aspectRatio: r.aspectRatio,
      generateAudio: r.generateAudio,
      numberOfVideos: r.numberOfVideos,
    }));
  } catch (error) {
    return handleStartFailure(deps, generationId, generation, error, log);
  }
  // Stored before anything else: from here on a redelivery polls this operation instead of starting.
  const running = await markRunning(deps.db, { generationId, owner: deps.workerId, nowMs: deps.clock.nowMs(), leaseMs: deps.limits.leaseMs, operationName });
  log.info('Veo accepted the generation', { operationName });
  return follow(deps, generationId, running, log);
}

async function handleStartFailure(deps: RunGenerationDeps, generationId: string, generation: GenerationDoc, error: unknown, log: Logger): Promise<RunOutcome> {
  const nowMs = deps.clock.nowMs();
  if (!(error instanceof VideoModelError)) {
    // Not a classified Veo answer (a bug, or the SDK failing to load): we cannot tell whether
    // the request reached Veo, so treat it like a start whose outcome is unknown.
    log.error('Veo start failed unexpectedly; outcome unknown, hold kept', { error });
    await markUnknown(deps.db, { generationId, owner: deps.workerId, nowMs, error: { code: 'START_OUTCOME_UNKNOWN', message: 'The start call failed unexpectedly.' } });
    return 'unknown';
  }
  if (error.kind === 'rejected') {
    await releaseGeneration(deps.db, {
      generationId,
      toStatus: 'failed',
      fromStatuses: ['starting'],
      // Clients see a fixed message: Vertex's own text names our project and resources (it is logged below).
      error: { code: 'VEO_REJECTED', message: `Veo refused the request${error.httpStatus ? ` (HTTP ${error.httpStatus})` : ''}; nothing was charged.` },
      nowMs,
      actor: deps.workerId,
      reason: 'Veo refused the request; nothing was billed',
    });
    log.warn('Veo refused the generation; hold released', { httpStatus: error.httpStatus, error });
    return 'failed';
  }
  if (error.kind === 'unknown') {
    await markUnknown(deps.db, { generationId, owner: deps.workerId, nowMs, error: { code: 'START_OUTCOME_UNKNOWN', message: 'Veo may have accepted the request; it will not be started again.' } });
    log.error('Veo start outcome unknown; hold kept for reconciliation, never started again', { error, holdMicros: generation.holdMicros });
    return 'unknown';
  }
  // unavailable: refused before acceptance, nothing billed.
  if (generation.attempts >= deps.limits.maxStartAttempts) {
    await releaseGeneration(deps.db, {
      generationId,
      toStatus: 'failed',
      fromStatuses: ['starting'],
      error: { code: 'VEO_UNAVAILABLE', message: `Veo was unavailable for ${generation.attempts} attempts.` },
      nowMs,
      actor: deps.workerId,
      reason: 'Veo unavailable; attempts exhausted; nothing was billed',
    });
    log.warn('Veo unavailable on every attempt; hold released', { attempts: generation.attempts, httpStatus: error.httpStatus });
    return 'failed';
  }
  const delayMs = Math.min(deps.limits.requeueMaxMs, deps.limits.requeueBaseMs * 2 ** (generation.attempts - 1));
  await requeueGeneration(deps.db, {
    generationId,
    owner: deps.workerId,
    nowMs,
    nextAttemptAtMs: nowMs + delayMs,
    error: { code: 'VEO_UNAVAILABLE', message: `Veo answered ${error.httpStatus ?? 'no response'}; retrying.` },
  });
  log.warn('Veo unavailable before accepting; re-queued', { attempt: generation.attempts, delayMs, httpStatus: error.httpStatus });
  throw new DomainError('UPSTREAM_UNAVAILABLE', 'Veo unavailable; generation re-queued', { retryable: true, details: { generationId, delayMs } });
}

/** Polls the operation within this invocation's budget, then settles, fails, or hands over. */
async function follow(deps: RunGenerationDeps, generationId: string, generation: GenerationDoc, log: Logger): Promise<RunOutcome> {
  const operationName = generation.operationName;
  if (!operationName) throw new Error(`running generation ${generationId} has no operation name`);
  const deadlineMs = deps.clock.nowMs() + deps.limits.pollBudgetMs;
  let intervalMs = deps.limits.pollInitialMs;
  for (;;) {
    let state: OperationState | null = null;
    try {
      state = await deps.videoModel.poll(operationName);
    } catch (error) {
      if (error instanceof VideoModelError && error.kind === 'rejected') {
        // The operation is gone or not ours to read: whether it was billed cannot be known here.
        if (generation.status === 'unknown') await releaseLease(deps.db, { generationId, owner: deps.workerId, nowMs: deps.clock.nowMs() });
        else await markUnknown(deps.db, { generationId, owner: deps.workerId, nowMs: deps.clock.nowMs(), error: { code: 'OPERATION_UNREADABLE', message: 'The Veo operation could not be read; the hold is kept for reconciliation.' } });
        log.error('Veo operation cannot be read; hold kept for reconciliation', { error, operationName });
        return 'unknown';
      }
      log.warn('polling Veo failed; will poll again', { error, operationName });
    }
    if (state?.done) return finish(deps, generationId, generation, state, log);
    const nowMs = deps.clock.nowMs();
    // Past the deadline once: `unknown`, still polled by the sweeper one poll per sweep.
    if (generation.status === 'running' && generation.startedAtMs !== null && nowMs - generation.startedAtMs > deps.limits.operationDeadlineMs) {
      await markUnknown(deps.db, { generationId, owner: deps.workerId, nowMs, error: { code: 'OPERATION_DEADLINE', message: 'Veo did not finish in time; the hold is kept for reconciliation.' } });
      log.error('Veo operation exceeded its deadline; hold kept for reconciliation', { operationName, startedAtMs: generation.startedAtMs });
      return 'unknown';
    }
    if (nowMs + intervalMs > deadlineMs) {
      await releaseLease(deps.db, { generationId, owner: deps.workerId, nowMs });
      log.info('poll budget used; the sweeper will resume polling', { operationName });
      return 'handed-over';
    }
    await deps.sleep(intervalMs);
    intervalMs = Math.min(deps.limits.pollMaxMs, intervalMs * 2);
  }
}

async function finish(deps: RunGenerationDeps, generationId: string, generation: GenerationDoc, state: Extract<OperationState, { done: true }>, log: Logger): Promise<RunOutcome> {
  if ('error' in state) {
    const { generation: failed, resolvedNow } = await releaseGeneration(deps.db, {
      generationId,
      toStatus: 'failed',
      fromStatuses: ['running', 'unknown'],
      error: { code: 'VEO_OPERATION_FAILED', message: `Veo could not generate the video (code ${state.error.code}); nothing was charged.` },
      nowMs: deps.clock.nowMs(),
      actor: deps.workerId,
      reason: `Veo operation failed (code ${state.error.code}); no video, nothing billed`,
    });
    if (resolvedNow) log.warn('Veo operation failed; hold released', { veoCode: state.error.code, veoMessage: state.error.message, releasedMicros: failed.holdMicros });
    return 'failed';
  }
  if (state.videos.length === 0) {
    await releaseGeneration(deps.db, {
      generationId,
      toStatus: 'failed',
      fromStatuses: ['running', 'unknown'],
      error: { code: 'VIDEOS_FILTERED', message: `Every video was removed by the safety filter${state.filteredReasons.length ? `: ${state.filteredReasons.join('; ').slice(0, 300)}` : ''}.` },
      nowMs: deps.clock.nowMs(),
      actor: deps.workerId,
      reason: 'all videos filtered; filtered videos are not billed',
    });
    log.warn('all videos filtered; nothing charged, hold released', { filteredCount: state.filteredCount });
    return 'failed';
  }
  let stored: StoredVideo[];
  try {
    // Copied before settling: Veo keeps its output only briefly. A failure here is retried by
    // redelivery, which polls the same finished operation and copies again (same object names).
    stored = await Promise.all(state.videos.map((video, index) => deps.storage.save(generationId, index, video)));
  } catch (error) {
    log.error('copying the videos to our storage failed; will retry', { error });
    await releaseLease(deps.db, { generationId, owner: deps.workerId, nowMs: deps.clock.nowMs() }).catch(() => undefined);
    throw new DomainError('UPSTREAM_UNAVAILABLE', 'video copy failed', { retryable: true, details: { generationId } });
  }
  const { generation: settled, resolvedNow } = await settleGeneration(deps.db, {
    generationId,
    videosReturned: stored.length,
    filteredCount: state.filteredCount,
    videos: stored,
    nowMs: deps.clock.nowMs(),
    actor: deps.workerId,
  });
  if (resolvedNow) {
    log.notice('generation settled', {
      costMicros: settled.costMicros,
      holdMicros: settled.holdMicros,
      releasedMicros: settled.holdMicros - (settled.costMicros ?? 0),
      videosReturned: stored.length,
      filteredCount: state.filteredCount,
      model: settled.request.model,
      priceBookVersion: settled.quote.priceBookVersion,
    });
  }
  return 'settled';
}
