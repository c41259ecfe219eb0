import type { DocumentReference, DocumentSnapshot, Firestore, Transaction } from '@google-cloud/firestore';
import { DomainError, assertInvariant } from '../../domain/errors';
import {
  assertPlatformCap,
  holdOnShard,
  platformCapExhausted,
  resolveOnShard,
  shardAllowanceMicros,
  shardHasRoom,
  shardProbeOrder,
  type PlatformCap,
  type PlatformShardPosition,
} from '../../domain/platformCap';
import type { Micros } from '../../domain/money';
import { COLLECTIONS } from './collections';
import { converter, platformShardDocSchema, type PlatformShardDoc } from './schemas';

/**
 * The Firestore side of the platform cap (rules and the safety argument: domain/platformCap.ts).
 * A shard only moves in the same commit as the account hold or resolution, never on its own.
 *
 * Pinning: the first reservation of a period creates ALL its shards at once, each recording the
 * shard count. Later reservations use the pinned count, not the configured one, so changing
 * PLATFORM_CAP_SHARDS mid-month cannot create shards with fresh allowance next to full ones.
 */
const shardConverter = converter(platformShardDocSchema);

export const PLATFORM_SHARDS_SUBCOLLECTION = 'shards';

export function platformShardsOf(db: Firestore, periodKey: string) {
  return db.collection(COLLECTIONS.platformSpend).doc(periodKey).collection(PLATFORM_SHARDS_SUBCOLLECTION).withConverter(shardConverter);
}

export function platformShardRef(db: Firestore, periodKey: string, index: number): DocumentReference<PlatformShardDoc> {
  return platformShardsOf(db, periodKey).doc(String(index));
}

export interface PlatformHoldPlan {
  position: PlatformShardPosition;
  /** Writes the hold (and, for a new period, the period's shards). Call after every read of the transaction. */
  write(tx: Transaction): void;
}

export interface PlatformHoldInput {
  cap: PlatformCap;
  periodKey: string;
  generationId: string;
  holdMicros: Micros;
  nowMs: number;
}

/** The shard a reservation tries first (or the one a scan chose). */
export function shardToTryRef(db: Firestore, input: { cap: PlatformCap; periodKey: string; generationId: string; preferredShard: number | null }): DocumentReference<PlatformShardDoc> {
  const index = input.preferredShard ?? shardProbeOrder(input.generationId, input.cap.shardCount, 1)[0]!;
  return platformShardRef(db, input.periodKey, index);
}

/**
 * Thrown out of the reserve transaction when the shard it tried has no room: the transaction ends
 * and withPlatformShardFallback looks for another shard.
 */
export class PlatformShardFull extends Error {
  constructor(
    readonly shardCount: number,
    readonly holdMicros: Micros,
  ) {
    super('the platform shard tried has no room for this hold');
    this.name = 'PlatformShardFull';
  }
}

/**
 * Decides the shard for the hold, or throws PlatformShardFull / GENERATION_PAUSED.
 *
 * Compare-and-swap, not a locked read: `shardSnap` was read OUTSIDE the transaction (in parallel
 * with its batched read, so no extra round trip), and the plan writes the shard with a
 * `lastUpdateTime` precondition. If anything changed the shard in between, the whole commit fails
 * with FAILED_PRECONDITION and nothing is written; withPlatformShardFallback reads it again. So the
 * room check is exact at commit, as with a locked read — but no transaction holds a read lock on a
 * shard. With read locks, every reservation that read the last shard with room deadlocked with the
 * others on the read→write upgrade; on the emulator 50 racing reservations took ~55 s instead of
 * ~10 s, the lock waits piling up on the last shards.
 *
 * Extra reads happen only for a period without shards yet (shard 0, once a month) or when
 * PLATFORM_CAP_SHARDS differs from the count the period was pinned with.
 */
export async function planPlatformHold(
  db: Firestore,
  input: PlatformHoldInput & { preferredShard: number | null },
  shardSnap: DocumentSnapshot<PlatformShardDoc>,
): Promise<PlatformHoldPlan> {
  const snaps = new Map<number, DocumentSnapshot<PlatformShardDoc>>([[Number(shardSnap.id), shardSnap]]);
  const read = async (index: number) => {
    if (!snaps.has(index)) snaps.set(index, await platformShardRef(db, input.periodKey, index).get());
    return snaps.get(index)!;
  };

  let shardCount = input.cap.shardCount;
  let index = Number(shardSnap.id);
  // At most two passes: the configured count, then the count the period was pinned with.
  for (let pass = 0; pass < 2; pass += 1) {
    const snap = await read(index);
    const shard = snap.data();
    if (!shard) {
      const anchor = (await read(0)).data();
      if (!anchor) return initializePeriod(db, input, shardCount, shardProbeOrder(input.generationId, shardCount, input.cap.maxShardTries));
      // Two lock-free reads are not one snapshot: a racing first reservation created the period
      // between them. Read again rather than conclude anything from the stale one.
      if (anchor.shardCount === shardCount) throw new PlatformShardRace();
      // Shard 0 exists but this one does not: the period was pinned with fewer shards.
      shardCount = anchor.shardCount;
      index = shardProbeOrder(input.generationId, shardCount, 1)[0]!;
      continue;
    }
    if (shard.shardCount !== shardCount) {
      shardCount = shard.shardCount;
      if (index >= shardCount) index = shardProbeOrder(input.generationId, shardCount, 1)[0]!;
      continue;
    }
    if (!shardHasRoom(shard, shardAllowanceMicros(input.cap.capMicros, shardCount, index), input.holdMicros)) throw new PlatformShardFull(shardCount, input.holdMicros);
    const chosen = index;
    const readAt = snap.updateTime!;
    return {
      position: { periodKey: input.periodKey, index: chosen },
      write(tx) {
        const next = holdOnShard(shard, input.holdMicros);
        tx.update(platformShardRef(db, input.periodKey, chosen), { heldMicros: next.heldMicros, updatedAtMs: input.nowMs }, { lastUpdateTime: readAt });
      },
    };
  }
  throw new Error(`invariant violated: the shards of platform period ${input.periodKey} disagree on their count`);
}

/** The shard reads of one attempt saw the period before and after a racing first reservation created it. */
class PlatformShardRace extends Error {
  constructor() {
    super('the platform period was created while it was being read');
    this.name = 'PlatformShardRace';
  }
}

/** A commit lost a compare-and-swap on a shard: it changed since it was read (or a racing first reservation created the period). */
function lostShardRace(error: unknown): boolean {
  if (error instanceof PlatformShardRace) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return code === 9 /* FAILED_PRECONDITION */ || code === 6 /* ALREADY_EXISTS */;
}

/**
 * Runs the reserve transaction on the generation's own shard and, when that shard is full, on a
 * shard a lock-free scan found room in. Bounded: a full shard leads to at most maxShardTries
 * scans, and each scan's choice had room, so failing again means it filled up meanwhile; a lost
 * compare-and-swap means someone else's hold or resolution landed on the shard — both are progress
 * by others, and both are bounded too. A refusal means the last scan saw every probed shard with
 * less than the hold left (the stranding bound of domain/platformCap.ts).
 */
export async function withPlatformShardFallback<T>(
  db: Firestore,
  input: { cap: PlatformCap | null; periodKey: string; generationId: string },
  run: (preferredShard: number | null) => Promise<T>,
): Promise<T> {
  const cap = input.cap;
  if (!cap) return run(null);
  assertPlatformCap(cap);
  const maxRaces = 4 * cap.shardCount;
  let preferred: number | null = null;
  let scans = 0;
  let races = 0;
  for (;;) {
    try {
      return await run(preferred);
    } catch (error) {
      if (lostShardRace(error)) {
        if (++races > maxRaces) throw platformCapContended();
        // Someone else just wrote that shard: try another one rather than queue behind them.
        preferred = error instanceof PlatformShardRace ? null : shardProbeOrder(`${input.generationId}#race${races}`, cap.shardCount, 1)[0]!;
        continue;
      }
      if (!(error instanceof PlatformShardFull)) throw error;
      if (++scans > cap.maxShardTries) throw platformCapExhausted();
      preferred = await pickShardWithRoom(db, { cap, periodKey: input.periodKey, generationId: input.generationId, shardCount: error.shardCount, holdMicros: error.holdMicros, salt: scans });
      if (preferred === null) throw platformCapExhausted();
    }
  }
}

function platformCapContended(): DomainError {
  return new DomainError('GENERATION_PAUSED', 'The platform budget is too busy right now; try again shortly.', {
    details: { reason: 'platform budget contended', limit: 'platformMonthlyCap' },
    retryable: true,
  });
}

/** A lock-free read of the probed shards; one with room, spread by generation so racing retries do not all pick the same. */
async function pickShardWithRoom(
  db: Firestore,
  input: { cap: PlatformCap; periodKey: string; generationId: string; shardCount: number; holdMicros: Micros; salt: number },
): Promise<number | null> {
  const probes = shardProbeOrder(input.generationId, input.shardCount, input.cap.maxShardTries);
  const snaps = (await db.getAll(...probes.map((i) => platformShardRef(db, input.periodKey, i)))) as DocumentSnapshot<PlatformShardDoc>[];
  const withRoom = probes.filter((index, k) => {
    const shard = snaps[k]!.data();
    return shard !== undefined && shardHasRoom(shard, shardAllowanceMicros(input.cap.capMicros, input.shardCount, index), input.holdMicros);
  });
  if (withRoom.length === 0) return null;
  return withRoom[shardProbeOrder(`${input.generationId}#${input.salt}`, withRoom.length, 1)[0]!]!;
}

/**
 * The first reservation of a period creates every shard, pinning the count, and holds on one of
 * them. `create` fails the commit if a racing first reservation created them first (ALREADY_EXISTS,
 * retried by withPlatformShardFallback), so one can never wipe the other's hold.
 */
function initializePeriod(db: Firestore, input: PlatformHoldInput, shardCount: number, probes: readonly number[]): PlatformHoldPlan {
  const empty = { spentMicros: 0, heldMicros: 0 };
  const index = probes.find((i) => shardHasRoom(empty, shardAllowanceMicros(input.cap.capMicros, shardCount, i), input.holdMicros));
  if (index === undefined) throw platformCapExhausted();
  return {
    position: { periodKey: input.periodKey, index },
    write(tx) {
      for (let i = 0; i < shardCount; i += 1) {
        tx.create(platformShardRef(db, input.periodKey, i), {
          periodKey: input.periodKey,
          index: i,
          shardCount,
          spentMicros: 0,
          heldMicros: i === index ? input.holdMicros : 0,
          createdAtMs: input.nowMs,
          updatedAtMs: input.nowMs,
        });
      }
    },
  };
}

/** The hold's shard moves held → spent (settle) or back (release, expire), in the resolution's transaction. */
export function writePlatformResolution(
  tx: Transaction,
  db: Firestore,
  position: PlatformShardPosition,
  shardSnap: DocumentSnapshot<PlatformShardDoc>,
  input: { holdMicros: Micros; costMicros: Micros; nowMs: number },
): void {
  const shard = shardSnap.data();
  assertInvariant(shard, `platform shard ${position.periodKey}/${position.index} of a hold is missing`);
  const next = resolveOnShard(shard, input.holdMicros, input.costMicros);
  tx.update(platformShardRef(db, position.periodKey, position.index), { spentMicros: next.spentMicros, heldMicros: next.heldMicros, updatedAtMs: input.nowMs });
}
