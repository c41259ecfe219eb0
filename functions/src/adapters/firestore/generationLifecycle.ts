import type { Firestore } from '@google-cloud/firestore';
import { assertTransition, isTerminal } from '../../domain/generation';
import { DomainError } from '../../domain/errors';
import { TRANSACTION_MAX_ATTEMPTS } from './client';
import { controlsRef, generationRef, getAllInTransaction, toControls } from './refs';
import type { GenerationDoc } from './schemas';

/**
 * The worker's state changes that move no money: claim with a lease, record Veo's acceptance,
 * re-queue after a refusal that billed nothing, mark a start whose outcome is unknown, hand an
 * unfinished operation back. Each is one transaction that re-reads the generation, so a
 * redelivered message or a second worker decides from the stored status, never from the message.
 */
export type ClaimOutcome =
  | { kind: 'start'; generation: GenerationDoc }
  | { kind: 'resume'; generation: GenerationDoc }
  | { kind: 'skip'; reason: 'missing' | 'terminal' | 'leased' | 'paused' | 'not-due' | 'unknown'; generation?: GenerationDoc }
  | { kind: 'orphaned'; generation: GenerationDoc };

/** A start whose worker died mid-call: Veo may be billing, so it is never started again. */
function orphanedStart(generation: GenerationDoc, nowMs: number): GenerationDoc {
  return {
    ...generation,
    status: 'unknown',
    lease: null,
    error: { code: 'START_OUTCOME_UNKNOWN', message: 'The worker stopped during the Veo start call; it was not started again.' },
    updatedAtMs: nowMs,
  };
}

export interface LeaseInput {
  generationId: string;
  owner: string;
  nowMs: number;
  leaseMs: number;
}

export async function claimGeneration(db: Firestore, input: LeaseInput): Promise<ClaimOutcome> {
  const ref = generationRef(db, input.generationId);
  return db.runTransaction(
    async (tx): Promise<ClaimOutcome> => {
      const [generationSnap, controlsSnap] = await getAllInTransaction(tx, ref, controlsRef(db));
      const generation = generationSnap.data();
      if (!generation) return { kind: 'skip', reason: 'missing' };
      if (isTerminal(generation.status)) return { kind: 'skip', reason: 'terminal', generation };
      // Without an operation name there is nothing to poll: an operator reconciles it.
      if (generation.status === 'unknown' && generation.operationName === null) return { kind: 'skip', reason: 'unknown', generation };
      const leaseLive = generation.lease !== null && generation.lease.untilMs > input.nowMs;
      const lease = { owner: input.owner, untilMs: input.nowMs + input.leaseMs };
      // This invocation's own claim, seen again because the SDK retried a commit whose answer was
      // lost: carry on with it rather than treat it as someone else's.
      if (leaseLive && generation.lease?.owner === input.owner) {
        if (generation.status === 'starting') return { kind: 'start', generation };
        return { kind: 'resume', generation };
      }

      if (generation.status === 'queued') {
        // Checked again here, not only at reservation: a pause must stop work already queued.
        if (toControls(controlsSnap.data()).generationPaused) return { kind: 'skip', reason: 'paused', generation };
        if (generation.nextAttemptAtMs !== null && generation.nextAttemptAtMs > input.nowMs) return { kind: 'skip', reason: 'not-due', generation };
        const next: GenerationDoc = { ...generation, status: 'starting', lease, attempts: generation.attempts + 1, nextAttemptAtMs: null, updatedAtMs: input.nowMs };
        tx.set(ref, next);
        return { kind: 'start', generation: next };
      }
      if (leaseLive) return { kind: 'skip', reason: 'leased', generation };
      if (generation.status === 'starting') {
        // The worker that claimed it died (or hung past its lease) during the start call: Veo may
        // have accepted and be billing. Starting again could pay twice, so the hold stays and an
        // operator (or a later reconciliation) decides.
        const next = orphanedStart(generation, input.nowMs);
        tx.set(ref, next);
        return { kind: 'orphaned', generation: next };
      }
      // running (or unknown with a stored operation, e.g. past its deadline): poll it, never start another.
      const next: GenerationDoc = { ...generation, lease, updatedAtMs: input.nowMs };
      tx.set(ref, next);
      return { kind: 'resume', generation: next };
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}

async function updateLeased(
  db: Firestore,
  input: { generationId: string; owner: string; nowMs: number },
  change: (generation: GenerationDoc) => GenerationDoc,
): Promise<GenerationDoc> {
  const ref = generationRef(db, input.generationId);
  return db.runTransaction(
    async (tx) => {
      const generation = (await tx.get(ref)).data();
      if (!generation) throw new DomainError('NOT_FOUND', `generation ${input.generationId} is missing`);
      if (generation.lease?.owner !== input.owner) {
        throw new DomainError('CONFLICT', `generation ${input.generationId} is no longer leased by ${input.owner}`, { details: { status: generation.status } });
      }
      const next = change(generation);
      tx.set(ref, { ...next, updatedAtMs: input.nowMs });
      return next;
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}

/**
 * Veo accepted: the operation name is stored before anything else happens. If this worker's
 * lease ran out during the start call and the generation was meanwhile marked `unknown` as an
 * orphaned start, the name is still recorded (and the generation resumes as `running`): Veo is
 * billing for it, and without the name it could never be polled or reconciled.
 */
export async function markRunning(db: Firestore, input: LeaseInput & { operationName: string }): Promise<GenerationDoc> {
  const ref = generationRef(db, input.generationId);
  return db.runTransaction(
    async (tx) => {
      const generation = (await tx.get(ref)).data();
      if (!generation) throw new DomainError('NOT_FOUND', `generation ${input.generationId} is missing`);
      const ours = generation.status === 'starting' && generation.lease?.owner === input.owner;
      const orphanedMeanwhile = generation.status === 'unknown' && generation.operationName === null && generation.error?.code === 'START_OUTCOME_UNKNOWN';
      if (!ours && !orphanedMeanwhile) {
        throw new DomainError('CONFLICT', `generation ${input.generationId} is ${generation.status}; operation ${input.operationName} not recorded`, {
          details: { status: generation.status, operationName: input.operationName },
        });
      }
      assertTransition(generation.status, 'running', input.generationId);
      const next: GenerationDoc = {
        ...generation,
        status: 'running',
        operationName: input.operationName,
        startedAtMs: input.nowMs,
        lease: { owner: input.owner, untilMs: input.nowMs + input.leaseMs },
        error: null,
        updatedAtMs: input.nowMs,
      };
      tx.set(ref, next);
      return next;
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}

/** Veo refused before accepting (429/5xx): nothing was billed; try again after `nextAttemptAtMs`. */
export function requeueGeneration(
  db: Firestore,
  input: { generationId: string; owner: string; nowMs: number; nextAttemptAtMs: number; error: { code: string; message: string } },
): Promise<GenerationDoc> {
  return updateLeased(db, input, (g) => {
    assertTransition(g.status, 'queued', input.generationId);
    return { ...g, status: 'queued', lease: null, nextAttemptAtMs: input.nextAttemptAtMs, error: input.error };
  });
}

/** The start call's outcome is unknown (timeout, dropped connection): keep the hold, never start again. */
export function markUnknown(db: Firestore, input: { generationId: string; owner: string; nowMs: number; error: { code: string; message: string } }): Promise<GenerationDoc> {
  return updateLeased(db, input, (g) => {
    assertTransition(g.status, 'unknown', input.generationId);
    return { ...g, status: 'unknown', lease: null, error: input.error };
  });
}

/** Polling ran out of this invocation's budget: give the lease up so the sweeper can resume it. */
export function releaseLease(db: Firestore, input: { generationId: string; owner: string; nowMs: number }): Promise<GenerationDoc> {
  return updateLeased(db, input, (g) => ({ ...g, lease: null }));
}

/**
 * The sweeper's half of the claim: only a `starting` generation whose lease has run out becomes
 * `unknown`. Anything else (it finished starting, or is queued again) is left alone.
 */
export async function markOrphanedStart(db: Firestore, input: { generationId: string; nowMs: number }): Promise<GenerationDoc | null> {
  const ref = generationRef(db, input.generationId);
  return db.runTransaction(
    async (tx) => {
      const generation = (await tx.get(ref)).data();
      if (!generation || generation.status !== 'starting') return null;
      if (generation.lease !== null && generation.lease.untilMs > input.nowMs) return null;
      const next = orphanedStart(generation, input.nowMs);
      tx.set(ref, next);
      return next;
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}
