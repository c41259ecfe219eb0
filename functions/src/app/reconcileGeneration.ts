import type { Firestore } from '@google-cloud/firestore';
import { randomUUID } from 'node:crypto';
import { COLLECTIONS } from '../adapters/firestore/collections';
import { releaseGeneration, settleGeneration } from '../adapters/firestore/resolveGeneration';
import type { GenerationDoc } from '../adapters/firestore/schemas';
import type { Logger } from '../logger';

export type Reconciliation = { outcome: 'release' } | { outcome: 'settle'; videosReturned: number };

/**
 * An operator closes a generation whose Veo start outcome is unknown (the worker died or timed
 * out during the start call and no operation name was ever stored), after checking Vertex
 * billing for its labels: release when Veo produced nothing, settle for the videos it did make.
 * Only `unknown` generations, exactly once (the ledger's single resolution), whose entry names the
 * operator as its actor; the adminAudit record adds the operator's reason.
 */
export async function reconcileGeneration(
  db: Firestore,
  input: { generationId: string; reconciliation: Reconciliation; reason: string; actor: string; nowMs: number },
  log: Logger,
): Promise<{ generation: GenerationDoc; resolvedNow: boolean }> {
  const result =
    input.reconciliation.outcome === 'settle'
      ? await settleGeneration(db, {
          generationId: input.generationId,
          videosReturned: input.reconciliation.videosReturned,
          filteredCount: 0,
          videos: [],
          nowMs: input.nowMs,
          actor: input.actor,
        })
      : await releaseGeneration(db, {
          generationId: input.generationId,
          toStatus: 'failed',
          fromStatuses: ['unknown'],
          error: { code: 'RECONCILED', message: 'The generation could not be completed; its hold was released.' },
          nowMs: input.nowMs,
          actor: input.actor,
          reason: `reconciled by an operator: ${input.reason}`,
        });
  if (result.resolvedNow) {
    const record = {
      generationId: input.generationId,
      accountId: result.generation.accountId,
      outcome: input.reconciliation.outcome,
      costMicros: result.generation.costMicros,
      actor: input.actor,
      reason: input.reason,
    };
    await db.collection(COLLECTIONS.adminAudit).doc(`reconcile-${input.generationId}-${randomUUID()}`).create({ kind: 'generation-reconciliation', ...record, atMs: input.nowMs });
    log.notice('unknown generation reconciled by an operator', record);
  }
  return result;
}
