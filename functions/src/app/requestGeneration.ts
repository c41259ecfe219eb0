import type { Firestore } from '@google-cloud/firestore';
import { reserveGeneration, type ReserveResult } from '../adapters/firestore/reserveGeneration';
import { isDomainError } from '../domain/errors';
import type { GenerationRequest } from '../domain/generationRequest';
import type { PlatformCap } from '../domain/platformCap';
import { currentPriceBook, type PriceBook } from '../domain/priceBook';
import type { Logger } from '../logger';
import type { GenerationQueue } from '../ports/queue';

export interface RequestGenerationDeps {
  db: Firestore;
  queue: GenerationQueue;
  priceBooks: readonly PriceBook[];
  holdTtlMs: number;
  /** PLATFORM_MONTHLY_CAP_USD; absent or null: no platform cap. */
  platformCap?: PlatformCap | null;
}

export interface RequestGenerationInput {
  accountId: string;
  idempotencyKey: string;
  request: GenerationRequest;
  nowMs: number;
  source: string;
  trace: string | null;
  actor: string;
}

/**
 * Reserve first, then publish. A new generation is published once; a replay of the same
 * Idempotency-Key publishes nothing. If publishing fails after the hold was written, the
 * generation stays `queued` and the sweeper publishes it again — the client still gets its id,
 * and the worker's claim makes a second message harmless.
 */
export async function requestGeneration(deps: RequestGenerationDeps, input: RequestGenerationInput, log: Logger): Promise<ReserveResult> {
  const priceBook = currentPriceBook(deps.priceBooks, input.nowMs);
  const result = await reserveGeneration(deps.db, {
    platformCap: deps.platformCap ?? null,
    accountId: input.accountId,
    idempotencyKey: input.idempotencyKey,
    request: input.request,
    priceBook,
    nowMs: input.nowMs,
    holdTtlMs: deps.holdTtlMs,
    source: input.source,
    trace: input.trace,
    actor: input.actor,
  }).catch((error: unknown) => {
    // The customer sees a 503; operators must hear that the platform cap, not a customer, stopped it.
    if (isDomainError(error) && error.details?.limit === 'platformMonthlyCap') {
      log.error('platform monthly cap reached: new generations are refused', { accountId: input.accountId, capMicros: deps.platformCap?.capMicros });
    }
    throw error;
  });
  const genLog = log.child({ generationId: result.generationId, accountId: input.accountId });
  if (result.replayed) {
    genLog.info('generation request replayed', { idempotent: true, status: result.generation.status });
    return result;
  }
  genLog.info('generation reserved', {
    holdMicros: result.generation.holdMicros,
    model: result.generation.request.model,
    degradedFrom: result.generation.degradedFrom,
    priceBookVersion: result.generation.quote.priceBookVersion,
    source: input.source,
  });
  try {
    const messageId = await deps.queue.publishGenerationRequest({
      generationId: result.generationId,
      accountId: input.accountId,
      ...(input.trace ? { trace: input.trace } : {}),
    });
    genLog.info('generation published', { messageId });
  } catch (error) {
    genLog.error('publishing the generation failed; the sweeper will publish it again', { error });
  }
  return result;
}
