import type { Firestore } from '@google-cloud/firestore';
import { isDomainError } from '../../domain/errors';
import { generationsCollection } from './refs';
import { resolveGeneration } from './resolveGeneration';

export interface ExpireHoldsResult {
  expired: string[];
  /** Generations that changed state between the query and their transaction (e.g. claimed meanwhile), or failed. */
  skipped: string[];
  /** Generations whose expiry failed for another reason: the caller logs them at ERROR. */
  failed: Array<{ generationId: string; error: unknown }>;
}

/**
 * Gives back holds of generations that never started before their hold expired. Only `queued`
 * ones: a `starting`/`running` generation may already be paid for at Veo, so its hold stays
 * until the worker or the sweeper learns the outcome. Bounded per call; the sweeper calls again.
 */
export async function expireHolds(db: Firestore, input: { nowMs: number; limit: number; actor: string }): Promise<ExpireHoldsResult> {
  const due = await generationsCollection(db)
    .where('status', '==', 'queued')
    .where('holdExpiresAtMs', '<=', input.nowMs)
    .orderBy('holdExpiresAtMs')
    .limit(input.limit)
    .get();
  const result: ExpireHoldsResult = { expired: [], skipped: [], failed: [] };
  for (const doc of due.docs) {
    try {
      const { resolvedNow } = await resolveGeneration(db, {
        generationId: doc.id,
        resolution: { kind: 'expire', toStatus: 'expired', error: { code: 'HOLD_EXPIRED', message: 'The generation did not start before its hold expired.' } },
        fromStatuses: ['queued'],
        nowMs: input.nowMs,
        actor: input.actor,
        reason: 'hold expired before start',
      });
      (resolvedNow ? result.expired : result.skipped).push(doc.id);
    } catch (error) {
      // One broken generation must not stop every later sweep from expiring the others.
      result.skipped.push(doc.id);
      if (!(isDomainError(error) && error.code === 'CONFLICT')) result.failed.push({ generationId: doc.id, error });
    }
  }
  return result;
}
