import type { Timestamp } from './wireTypes';

/** Times are bigint nanoseconds since the epoch, so commit times compare exactly. */
export type TimeNs = bigint;

const NANOS_PER_SECOND = 1_000_000_000n;

export function toTimestamp(timeNs: TimeNs): Timestamp {
  return { seconds: (timeNs / NANOS_PER_SECOND).toString(), nanos: Number(timeNs % NANOS_PER_SECOND) };
}

export function fromTimestamp(timestamp: Timestamp): TimeNs {
  return BigInt(timestamp.seconds ?? 0) * NANOS_PER_SECOND + BigInt(timestamp.nanos ?? 0);
}

/**
 * Commit times strictly increase with microsecond granularity (like the official emulator), so
 * every commit has its own version and `readTime` snapshots are unambiguous.
 */
export class CommitClock {
  private lastMicros = 0n;

  next(): TimeNs {
    const nowMicros = BigInt(Date.now()) * 1000n;
    this.lastMicros = nowMicros > this.lastMicros ? nowMicros : this.lastMicros + 1n;
    return this.lastMicros * 1000n;
  }

  /** A read time at which every commit so far is visible and every later commit is not. */
  now(): TimeNs {
    const nowMicros = BigInt(Date.now()) * 1000n;
    if (nowMicros > this.lastMicros) this.lastMicros = nowMicros;
    return this.lastMicros * 1000n;
  }
}
