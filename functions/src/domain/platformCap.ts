import { createHash } from 'node:crypto';
import { DomainError, assertInvariant } from './errors';
import { assertMicros, type Micros } from './money';

/**
 * The platform-wide monthly cap, kept by the ledger itself because Cloud Billing data lags by
 * hours. One counter document would serialize every reservation on the platform, so the cap is
 * split into `shardCount` shards that each own a fixed slice of it:
 *
 *   allowance(i) = floor(cap / N) + (i < cap mod N ? 1 : 0)      Σ allowance(i) = cap exactly
 *
 * Safety: a hold is added to shard i only by a commit that saw spent(i) + held(i) + hold ≤
 * allowance(i) and that writes shard i on the condition that it has not changed since it was read
 * (compare-and-swap on its update time; otherwise the whole commit fails and writes nothing). So
 * the check is still true at commit. Resolutions never raise spent + held (a settle moves held to
 * spent and is never above the hold; a release only lowers held). So every shard stays within its
 * allowance and the platform total Σ (spent + held) ≤ Σ allowance = cap, by induction over
 * commits. No step needs a global document.
 *
 * The price is stranding: a reservation can be refused while the cap as a whole still has room,
 * because that room is split across shards. When every shard is probed (maxShardTries = N), a
 * refusal of a hold h means the last scan saw every shard with at most h − 1 micros left, so at
 * most N × (h − 1) is stranded (maxStrandedMicros); with fewer tries the bound is weaker.
 * Choose N so that cap / N is many times the largest hold (docs/budget-kill-switch.md).
 */
export interface PlatformCap {
  capMicros: Micros;
  /** Shards per period. Pinned for a period when its shards are created (see pinning below). */
  shardCount: number;
  /** Shards a reservation may look at before it is refused; N gives the stranding bound above. */
  maxShardTries: number;
}

export const MAX_PLATFORM_SHARDS = 100;

/** Where a hold's platform share lives: resolutions find the same shard from the generation. */
export interface PlatformShardPosition {
  periodKey: string;
  index: number;
}

export interface PlatformShardTotals {
  spentMicros: Micros;
  heldMicros: Micros;
}

export function assertPlatformCap(cap: PlatformCap): void {
  assertMicros(cap.capMicros, 'platform cap');
  assertInvariant(Number.isInteger(cap.shardCount) && cap.shardCount >= 1 && cap.shardCount <= MAX_PLATFORM_SHARDS, `shard count must be 1..${MAX_PLATFORM_SHARDS}`);
  assertInvariant(Number.isInteger(cap.maxShardTries) && cap.maxShardTries >= 1, 'at least one shard must be tried');
}

/** Shard i's fixed slice of the cap; the slices add up to the cap exactly (no micro lost or invented). */
export function shardAllowanceMicros(capMicros: Micros, shardCount: number, index: number): Micros {
  assertInvariant(Number.isInteger(index) && index >= 0 && index < shardCount, `shard ${index} outside 0..${shardCount - 1}`);
  const base = Math.floor(capMicros / shardCount);
  return base + (index < capMicros % shardCount ? 1 : 0);
}

/**
 * The shards a reservation looks at, in order: a start derived from the generation id (so load
 * spreads evenly and a retried transaction looks at the same shards), then the following ones.
 * Linear probing visits distinct shards, so `tries` = N looks at every shard exactly once.
 */
export function shardProbeOrder(generationId: string, shardCount: number, tries: number): number[] {
  const count = Math.max(1, Math.min(tries, shardCount));
  const start = createHash('sha256').update(generationId).digest().readUInt32BE(0) % shardCount;
  return Array.from({ length: count }, (_, k) => (start + k) % shardCount);
}

export function shardHasRoom(shard: PlatformShardTotals, allowanceMicros: Micros, holdMicros: Micros): boolean {
  return shard.spentMicros + shard.heldMicros + holdMicros <= allowanceMicros;
}

/** The refusal when the platform cap has no room: 503, not 402 — the customer did nothing wrong. */
export function platformCapExhausted(): DomainError {
  return new DomainError('GENERATION_PAUSED', 'Video generation is paused for the platform: its monthly budget is used up. Try again later.', {
    details: { reason: 'platform budget exhausted', limit: 'platformMonthlyCap' },
    retryable: true,
  });
}

export function holdOnShard(shard: PlatformShardTotals, holdMicros: Micros): PlatformShardTotals {
  assertMicros(holdMicros, 'platform hold');
  return { spentMicros: shard.spentMicros, heldMicros: shard.heldMicros + holdMicros };
}

/**
 * A resolution on the hold's shard: the whole hold leaves `held`, the charged part (0 for a
 * release or an expiry) enters `spent`. spent + held never grows, so no cap check is needed.
 */
export function resolveOnShard(shard: PlatformShardTotals, holdMicros: Micros, costMicros: Micros): PlatformShardTotals {
  assertInvariant(costMicros <= holdMicros, `platform settle ${costMicros} above hold ${holdMicros}`);
  assertInvariant(shard.heldMicros >= holdMicros, `platform shard holds ${shard.heldMicros}, less than the hold ${holdMicros} being resolved`);
  return { spentMicros: shard.spentMicros + costMicros, heldMicros: shard.heldMicros - holdMicros };
}

/** The stranding bound stated above: how much of the cap refusals may leave unused, at most. */
export function maxStrandedMicros(shardCount: number, holdMicros: Micros): Micros {
  return shardCount * Math.max(0, holdMicros - 1);
}
