import type { Firestore } from '@google-cloud/firestore';
import { decideQuote } from '../../domain/degrade';
import { DomainError } from '../../domain/errors';
import { requestFingerprint, requestHash, type GenerationRequest } from '../../domain/generationRequest';
import { generationIdFor } from '../../domain/ids';
import { periodKeyOf } from '../../domain/account';
import { hold, rollPeriod } from '../../domain/ledger';
import { checkReservation } from '../../domain/limits';
import type { PlatformCap } from '../../domain/platformCap';
import type { PriceBook } from '../../domain/priceBook';
import { TRANSACTION_MAX_ATTEMPTS } from './client';
import { planPlatformHold, shardToTryRef, withPlatformShardFallback, type PlatformHoldPlan } from './platformCap';
import { accountMoneyFields, accountRef, controlsRef, entryRef, generationRef, getAllInTransaction, toAccountState, toControls } from './refs';
import type { GenerationDoc } from './schemas';

export interface ReserveInput {
  accountId: string;
  idempotencyKey: string;
  request: GenerationRequest;
  priceBook: PriceBook;
  nowMs: number;
  /** How long an unstarted hold may wait before the sweeper gives it back. */
  holdTtlMs: number;
  /** `api` or `autopost:<ruleId>`. */
  source: string;
  trace: string | null;
  actor: string;
  /** The platform-wide monthly cap (PLATFORM_MONTHLY_CAP_USD); absent or null: no cap, and no shard is read or written. */
  platformCap?: PlatformCap | null;
}

export interface ReserveResult {
  generationId: string;
  generation: GenerationDoc;
  /** True when this Idempotency-Key had already been used with the same body: nothing new was written. */
  replayed: boolean;
}

/**
 * The gate in front of every paid Veo call. One transaction reads the account, the global
 * controls and the generation the Idempotency-Key maps to (one batched read), and either finds
 * the earlier reservation, refuses with a DomainError (writing nothing), or writes the hold
 * entry, the new account totals and the `queued` generation together. With a platform cap, the
 * same commit also adds the hold to one platform shard (adapters/firestore/platformCap.ts).
 */
export async function reserveGeneration(db: Firestore, input: ReserveInput): Promise<ReserveResult> {
  const generationId = generationIdFor(input.accountId, input.idempotencyKey);
  const periodKey = periodKeyOf(input.nowMs);
  return withPlatformShardFallback(db, { cap: input.platformCap ?? null, periodKey, generationId }, (preferredShard) =>
    reserveOnShard(db, input, generationId, periodKey, preferredShard),
  );
}

/** One reserve transaction; with a platform cap, on `preferredShard` (null: the generation's own first shard). */
async function reserveOnShard(db: Firestore, input: ReserveInput, generationId: string, periodKey: string, preferredShard: number | null): Promise<ReserveResult> {
  const hash = requestHash(input.request);
  const accountDocRef = accountRef(db, input.accountId);
  const generationDocRef = generationRef(db, generationId);
  const platformCap = input.platformCap ?? null;
  const shardRef = platformCap ? shardToTryRef(db, { cap: platformCap, periodKey, generationId, preferredShard }) : null;

  return db.runTransaction(
    async (tx) => {
      // The platform shard is read outside the transaction (compare-and-swap, see planPlatformHold), in parallel: no extra round trip.
      const [[accountSnap, controlsSnap, generationSnap], shardSnap] = await Promise.all([
        getAllInTransaction(tx, accountDocRef, controlsRef(db), generationDocRef),
        shardRef?.get() ?? null,
      ]);
      const existing = generationSnap.data();
      if (existing) {
        if (existing.accountId !== input.accountId || existing.requestHash !== hash) {
          throw new DomainError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request.', {
            details: { generationId },
          });
        }
        return { generationId, generation: existing, replayed: true };
      }
      const accountDoc = accountSnap.data();
      if (!accountDoc) throw new DomainError('NOT_FOUND', 'Account not found.', { details: { accountId: input.accountId } });

      const controls = toControls(controlsSnap.data());
      const account = rollPeriod(toAccountState(input.accountId, accountDoc), input.nowMs);
      const { quote, degradedFrom } = decideQuote(input.priceBook, input.request, controls, account.consent);
      checkReservation(account, controls, quote, input.nowMs);
      // After the account's own limits, so a customer over their cap hears about their cap.
      const platformHold: PlatformHoldPlan | null =
        platformCap && shardSnap
          ? await planPlatformHold(db, { cap: platformCap, periodKey, generationId, holdMicros: quote.totalMicros, nowMs: input.nowMs, preferredShard }, shardSnap)
          : null;

      const transition = hold(account, generationId, quote.totalMicros, quote, input.nowMs, input.actor);
      const generation: GenerationDoc = {
        accountId: input.accountId,
        ownerUid: accountDoc.ownerUid,
        status: 'queued',
        request: { ...input.request, model: quote.model },
        degradedFrom,
        idempotencyKey: input.idempotencyKey,
        requestHash: hash,
        fingerprint: requestFingerprint({ ...input.request, model: quote.model }),
        quote,
        holdMicros: quote.totalMicros,
        holdExpiresAtMs: input.nowMs + input.holdTtlMs,
        costMicros: null,
        resolution: null,
        operationName: null,
        startedAtMs: null,
        lease: null,
        attempts: 0,
        nextAttemptAtMs: null,
        videos: [],
        videosReturned: null,
        filteredCount: null,
        error: null,
        source: input.source,
        trace: input.trace,
        createdAtMs: input.nowMs,
        updatedAtMs: input.nowMs,
        platformShard: platformHold?.position ?? null,
      };
      tx.update(accountDocRef, accountMoneyFields(transition.account, input.nowMs));
      const { id: entryId, ...entry } = transition.entry;
      tx.create(entryRef(db, input.accountId, entryId), entry);
      tx.create(generationDocRef, generation);
      platformHold?.write(tx);
      return { generationId, generation, replayed: false };
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}
