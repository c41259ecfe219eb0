import type { Firestore } from '@google-cloud/firestore';
import { TRANSACTION_MAX_ATTEMPTS } from '../adapters/firestore/client';
import { expireHolds } from '../adapters/firestore/expireHolds';
import { markOrphanedStart } from '../adapters/firestore/generationLifecycle';
import { checkAllInvariants, checkPlatformInvariants } from '../adapters/firestore/ledgerInvariants';
import { periodKeyOf } from '../domain/account';
import { controlsRef, generationRef, generationsCollection, toControls } from '../adapters/firestore/refs';
import type { Logger } from '../logger';
import type { GenerationQueue } from '../ports/queue';
import { runGeneration, type RunGenerationDeps, type RunOutcome } from './runGeneration';

export interface SweepDeps {
  db: Firestore;
  queue: GenerationQueue;
  /** The worker's dependencies with a poll budget of one poll: the sweeper never waits on Veo. */
  worker: RunGenerationDeps;
  limits: { batchLimit: number; republishAfterMs: number; maxAccountsChecked: number };
  /** The configured platform cap (null: none); its shards are checked every sweep either way. */
  platformCapMicros: number | null;
}

export interface SweepReport {
  expired: number;
  republished: number;
  orphanedStarts: number;
  resumed: Partial<Record<RunOutcome | 'error', number>>;
  unknown: string[];
  invariantViolations: number;
  accountsChecked: number;
  platformViolations: number;
}

/**
 * One pass of recovery, bounded per step: give back holds that never started, publish queued
 * work whose message was lost, mark starts whose worker died as unknown, poll running operations
 * nobody is polling (one poll each), list unknown starts for reconciliation, check invariants.
 */
export async function sweep(deps: SweepDeps, log: Logger): Promise<SweepReport> {
  const nowMs = deps.worker.clock.nowMs();
  const actor = deps.worker.workerId;
  const report: SweepReport = { expired: 0, republished: 0, orphanedStarts: 0, resumed: {}, unknown: [], invariantViolations: 0, accountsChecked: 0, platformViolations: 0 };

  const expired = await expireHolds(deps.db, { nowMs, limit: deps.limits.batchLimit, actor });
  report.expired = expired.expired.length;
  if (report.expired > 0) log.warn('holds expired before their generation started; released', { generationIds: expired.expired });
  for (const failure of expired.failed) log.error('expiring a hold failed; other holds were still expired', { generationId: failure.generationId, error: failure.error });

  const paused = toControls((await controlsRef(deps.db).get()).data()).generationPaused;
  if (!paused) report.republished = await republishStuckQueued(deps, nowMs, log);

  const starting = await generationsCollection(deps.db).where('status', '==', 'starting').limit(deps.limits.batchLimit).get();
  for (const doc of starting.docs) {
    const lease = doc.data().lease;
    if (lease && lease.untilMs > nowMs) continue;
    const orphaned = await markOrphanedStart(deps.db, { generationId: doc.id, nowMs });
    if (orphaned) {
      report.orphanedStarts += 1;
      log.error('start outcome unknown: worker died during the Veo start call; hold kept for reconciliation', {
        generationId: doc.id,
        accountId: orphaned.accountId,
        holdMicros: orphaned.holdMicros,
      });
    }
  }

  // Running operations nobody is polling, and unknown ones that have an operation to poll (past
  // their deadline, or whose start was recorded late): one poll each, settle or fail when done.
  const [running, pollableUnknown] = await Promise.all([
    generationsCollection(deps.db).where('status', '==', 'running').limit(deps.limits.batchLimit).get(),
    generationsCollection(deps.db).where('status', '==', 'unknown').where('operationName', '!=', null).limit(deps.limits.batchLimit).get(),
  ]);
  for (const doc of [...running.docs, ...pollableUnknown.docs]) {
    const lease = doc.data().lease;
    if (lease && lease.untilMs > nowMs) continue;
    let outcome: RunOutcome | 'error';
    try {
      outcome = await runGeneration(deps.worker, doc.id, log);
    } catch (error) {
      outcome = 'error';
      log.warn('resuming a running generation failed; next sweep retries', { generationId: doc.id, error });
    }
    report.resumed[outcome] = (report.resumed[outcome] ?? 0) + 1;
  }

  const unknown = await generationsCollection(deps.db).where('status', '==', 'unknown').where('operationName', '==', null).limit(deps.limits.batchLimit).get();
  report.unknown = unknown.docs.map((d) => d.id);
  for (const doc of unknown.docs) {
    const g = doc.data();
    log.error('generation awaits reconciliation by an operator (Veo start outcome unknown; hold kept): POST /v1/admin/generations/:id/resolve', {
      generationId: doc.id,
      accountId: g.accountId,
      holdMicros: g.holdMicros,
      operationName: g.operationName,
      error: g.error,
    });
  }

  const invariants = await checkAllInvariants(deps.db, { maxAccounts: deps.limits.maxAccountsChecked });
  report.accountsChecked = invariants.checked;
  report.invariantViolations = invariants.violations.length;
  for (const violation of invariants.violations) log.error('ledger invariant violated', { ...violation });

  const platform = await checkPlatformInvariants(deps.db, { periodKey: periodKeyOf(nowMs), capMicros: deps.platformCapMicros, maxGenerations: deps.limits.maxAccountsChecked * 20 });
  report.platformViolations = platform.violations.length;
  for (const violation of platform.violations) log.error('platform cap invariant violated', { ...violation });
  return report;
}

async function republishStuckQueued(deps: SweepDeps, nowMs: number, log: Logger): Promise<number> {
  const stale = await generationsCollection(deps.db)
    .where('status', '==', 'queued')
    .where('updatedAtMs', '<=', nowMs - deps.limits.republishAfterMs)
    .orderBy('updatedAtMs')
    .limit(deps.limits.batchLimit)
    .get();
  let republished = 0;
  for (const doc of stale.docs) {
    const g = doc.data();
    if (g.nextAttemptAtMs !== null && g.nextAttemptAtMs > nowMs) continue;
    // Touch it first, in a transaction that re-checks the status, so two sweeps publish once each
    // per interval at most; a duplicate message is harmless anyway (the worker claims by status).
    const touched = await deps.db.runTransaction(
      async (tx) => {
        const ref = generationRef(deps.db, doc.id);
        const current = (await tx.get(ref)).data();
        if (!current || current.status !== 'queued' || current.updatedAtMs !== g.updatedAtMs) return false;
        tx.update(ref, { updatedAtMs: nowMs });
        return true;
      },
      { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
    );
    if (!touched) continue;
    await deps.queue.publishGenerationRequest({ generationId: doc.id, accountId: g.accountId, ...(g.trace ? { trace: g.trace } : {}) });
    republished += 1;
    log.info('queued generation published again', { generationId: doc.id, accountId: g.accountId, queuedSinceMs: g.createdAtMs });
  }
  return republished;
}
