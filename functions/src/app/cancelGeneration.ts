import type { Firestore } from '@google-cloud/firestore';
import { generationRef } from '../adapters/firestore/refs';
import { releaseGeneration } from '../adapters/firestore/resolveGeneration';
import type { GenerationDoc } from '../adapters/firestore/schemas';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';

/**
 * Cancels a generation that has not been claimed yet and gives its hold back. Once the worker has
 * claimed it, Veo may already be working (and billing), so the answer is CONFLICT.
 */
export async function cancelGeneration(
  db: Firestore,
  input: { accountId: string; generationId: string; nowMs: number; actor: string },
  log: Logger,
): Promise<GenerationDoc> {
  const existing = (await generationRef(db, input.generationId).get()).data();
  // Another account's generation is indistinguishable from a missing one.
  if (!existing || existing.accountId !== input.accountId) throw new DomainError('NOT_FOUND', 'Generation not found.');
  if (existing.status === 'cancelled') return existing;
  const { generation, resolvedNow } = await releaseGeneration(db, {
    generationId: input.generationId,
    toStatus: 'cancelled',
    fromStatuses: ['queued'],
    error: null,
    nowMs: input.nowMs,
    actor: input.actor,
    reason: 'cancelled by the customer',
  });
  if (!resolvedNow && generation.status !== 'cancelled') {
    throw new DomainError('CONFLICT', `Generation is ${generation.status} and can no longer be cancelled.`, { details: { status: generation.status } });
  }
  log.info('generation cancelled', { generationId: input.generationId, accountId: input.accountId, releasedMicros: generation.holdMicros });
  return generation;
}
