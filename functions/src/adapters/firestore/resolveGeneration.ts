import type { Firestore } from '@google-cloud/firestore';
import { DomainError, assertInvariant } from '../../domain/errors';
import { assertTransition, type GenerationStatus } from '../../domain/generation';
import { release, resolutionEntryId, rollPeriod, settle, type ResolutionKind, type Transition } from '../../domain/ledger';
import { settledCostMicros } from '../../domain/quote';
import { TRANSACTION_MAX_ATTEMPTS } from './client';
import { platformShardRef, writePlatformResolution } from './platformCap';
import { accountMoneyFields, accountRef, entryRef, generationRef, getAllInTransaction, toAccountState } from './refs';
import type { GenerationDoc } from './schemas';

export type Resolution =
  | { kind: 'settle'; videosReturned: number; filteredCount: number; videos: GenerationDoc['videos'] }
  | { kind: 'release' | 'expire'; toStatus: Extract<GenerationStatus, 'failed' | 'cancelled' | 'expired'>; error: GenerationDoc['error'] };

export interface ResolveInput {
  generationId: string;
  resolution: Resolution;
  /** The statuses this caller expects to resolve from; anything else is refused as a CONFLICT. */
  fromStatuses: readonly GenerationStatus[];
  /** When set, the caller must hold the generation's lease (the worker). */
  leaseOwner?: string;
  nowMs: number;
  actor: string;
  reason: string;
}

export interface ResolveResult {
  generation: GenerationDoc;
  /** False when the hold had already been resolved: this call changed nothing. */
  resolvedNow: boolean;
}

/**
 * Closes a generation's hold exactly once, in the same transaction that moves the generation to
 * its terminal status. A second call, or a settle racing a release, finds the resolution already
 * written and changes nothing; the resolution entry id is the same for every kind, so even a
 * bug elsewhere could not write two. A hold taken under the platform cap moves on its own shard
 * (recorded on the generation) in the same commit, so platform held/spent resolve exactly once too.
 */
export async function resolveGeneration(db: Firestore, input: ResolveInput): Promise<ResolveResult> {
  const generationDocRef = generationRef(db, input.generationId);
  return db.runTransaction(
    async (tx) => {
      const generationSnap = await tx.get(generationDocRef);
      const generation = generationSnap.data();
      if (!generation) throw new DomainError('NOT_FOUND', 'Generation not found.', { details: { generationId: input.generationId } });
      if (generation.resolution !== null) return { generation, resolvedNow: false };
      if (!input.fromStatuses.includes(generation.status)) {
        throw new DomainError('CONFLICT', `Generation is ${generation.status}.`, {
          details: { generationId: input.generationId, status: generation.status },
        });
      }
      if (input.leaseOwner !== undefined && generation.lease?.owner !== input.leaseOwner) {
        throw new DomainError('CONFLICT', 'The generation is leased by another worker.', { details: { generationId: input.generationId } });
      }

      const accountDocRef = accountRef(db, generation.accountId);
      const resolutionRef = entryRef(db, generation.accountId, resolutionEntryId(input.generationId));
      const shardRefs = generation.platformShard ? [platformShardRef(db, generation.platformShard.periodKey, generation.platformShard.index)] : [];
      const [accountSnap, resolutionSnap, ...shardSnaps] = await getAllInTransaction(tx, accountDocRef, resolutionRef, ...shardRefs);
      const accountDoc = accountSnap.data();
      assertInvariant(accountDoc, `account ${generation.accountId} of generation ${input.generationId} is missing`);
      assertInvariant(!resolutionSnap.exists, `generation ${input.generationId} has a resolution entry but no resolution`);
      const account = rollPeriod(toAccountState(generation.accountId, accountDoc), input.nowMs);

      let transition: Transition;
      let update: Partial<GenerationDoc>;
      const r = input.resolution;
      if (r.kind === 'settle') {
        assertTransition(generation.status, 'succeeded', input.generationId);
        const costMicros = settledCostMicros(generation.quote, r.videosReturned);
        transition = settle(account, input.generationId, generation.holdMicros, costMicros, generation.quote, input.nowMs, input.actor);
        update = {
          status: 'succeeded',
          costMicros,
          videos: r.videos,
          videosReturned: r.videosReturned,
          filteredCount: r.filteredCount,
          error: null,
        };
      } else {
        assertTransition(generation.status, r.toStatus, input.generationId);
        transition = release(account, input.generationId, generation.holdMicros, r.kind, generation.quote, input.nowMs, input.actor, input.reason);
        update = { status: r.toStatus, costMicros: 0, error: r.error };
      }
      const resolutionKind: ResolutionKind = transition.entry.kind as ResolutionKind;
      const { id: entryId, ...entry } = transition.entry;
      tx.update(accountDocRef, accountMoneyFields(transition.account, input.nowMs));
      tx.create(entryRef(db, generation.accountId, entryId), entry);
      if (generation.platformShard) {
        // The shard of the period the hold was taken in, even after the month turned: platform spend
        // counts where it was reserved, so a new month's shards never receive unchecked spend.
        writePlatformResolution(tx, db, generation.platformShard, shardSnaps[0]!, {
          holdMicros: generation.holdMicros,
          costMicros: transition.entry.spentDeltaMicros,
          nowMs: input.nowMs,
        });
      }
      const next: GenerationDoc = { ...generation, ...update, resolution: resolutionKind, lease: null, updatedAtMs: input.nowMs };
      tx.set(generationDocRef, next);
      return { generation: next, resolvedNow: true };
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}

export function settleGeneration(
  db: Firestore,
  input: { generationId: string; videosReturned: number; filteredCount: number; videos: GenerationDoc['videos']; leaseOwner?: string; nowMs: number; actor: string },
): Promise<ResolveResult> {
  return resolveGeneration(db, {
    generationId: input.generationId,
    resolution: { kind: 'settle', videosReturned: input.videosReturned, filteredCount: input.filteredCount, videos: input.videos },
    fromStatuses: ['running', 'unknown'],
    leaseOwner: input.leaseOwner,
    nowMs: input.nowMs,
    actor: input.actor,
    reason: 'video returned',
  });
}

export function releaseGeneration(
  db: Firestore,
  input: {
    generationId: string;
    toStatus: 'failed' | 'cancelled';
    fromStatuses: readonly GenerationStatus[];
    error: GenerationDoc['error'];
    leaseOwner?: string;
    nowMs: number;
    actor: string;
    reason: string;
  },
): Promise<ResolveResult> {
  return resolveGeneration(db, {
    generationId: input.generationId,
    resolution: { kind: 'release', toStatus: input.toStatus, error: input.error },
    fromStatuses: input.fromStatuses,
    leaseOwner: input.leaseOwner,
    nowMs: input.nowMs,
    actor: input.actor,
    reason: input.reason,
  });
}
