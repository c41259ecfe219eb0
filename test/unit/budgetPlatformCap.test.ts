import {
  assertPlatformCap,
  holdOnShard,
  maxStrandedMicros,
  platformCapExhausted,
  resolveOnShard,
  shardAllowanceMicros,
  shardHasRoom,
  shardProbeOrder,
} from '../../functions/src/domain/platformCap';

describe('platform cap shards (pure)', () => {
  it.each([
    [1, 1],
    [1_000_000, 16],
    [5_120_000, 16],
    [6_560_000, 16],
    [15, 16],
    [999_999_999_999, 7],
    [0, 4],
  ])('splits a cap of %i micros over %i shards without losing or inventing a micro', (capMicros, shardCount) => {
    const allowances = Array.from({ length: shardCount }, (_, i) => shardAllowanceMicros(capMicros, shardCount, i));
    expect(allowances.reduce((a, b) => a + b, 0)).toBe(capMicros);
    expect(Math.max(...allowances) - Math.min(...allowances)).toBeLessThanOrEqual(1);
    for (const a of allowances) expect(Number.isSafeInteger(a) && a >= 0).toBe(true);
  });

  it('refuses shard indexes outside the period', () => {
    expect(() => shardAllowanceMicros(100, 4, 4)).toThrow(/outside/);
    expect(() => shardAllowanceMicros(100, 4, -1)).toThrow(/outside/);
  });

  it('probes distinct shards, every shard when tries = N, the same order for the same generation', () => {
    const order = shardProbeOrder('g_abc', 16, 16);
    expect(new Set(order).size).toBe(16);
    expect(shardProbeOrder('g_abc', 16, 16)).toEqual(order);
    expect(shardProbeOrder('g_abc', 16, 3)).toEqual(order.slice(0, 3));
    expect(shardProbeOrder('g_abc', 4, 99)).toHaveLength(4);
  });

  it('spreads first probes roughly evenly over the shards', () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i += 1) counts[shardProbeOrder(`g_${i}`, 16, 1)[0]!] += 1;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    for (const c of counts) expect(c).toBeLessThan(1200);
  });

  it('has room exactly up to the allowance', () => {
    expect(shardHasRoom({ spentMicros: 60, heldMicros: 30 }, 100, 10)).toBe(true);
    expect(shardHasRoom({ spentMicros: 60, heldMicros: 30 }, 100, 11)).toBe(false);
  });

  it('settles held → spent (never above the hold) and releases held, never growing spent + held', () => {
    const held = holdOnShard({ spentMicros: 100, heldMicros: 0 }, 50);
    expect(held).toEqual({ spentMicros: 100, heldMicros: 50 });
    const settled = resolveOnShard(held, 50, 20);
    expect(settled).toEqual({ spentMicros: 120, heldMicros: 0 });
    expect(settled.spentMicros + settled.heldMicros).toBeLessThanOrEqual(held.spentMicros + held.heldMicros);
    expect(resolveOnShard(held, 50, 0)).toEqual({ spentMicros: 100, heldMicros: 0 });
    expect(() => resolveOnShard(held, 50, 51)).toThrow(/invariant/);
    expect(() => resolveOnShard(held, 60, 0)).toThrow(/invariant/);
  });

  it('states the stranding bound: N shards each short of one hold', () => {
    // Worst case: every shard has hold − 1 micros left; a hold of that size fits nowhere.
    const shardCount = 16;
    const hold = 320_000;
    const capMicros = shardCount * (3 * hold + hold - 1);
    const used = Array.from({ length: shardCount }, () => ({ spentMicros: 3 * hold, heldMicros: 0 }));
    const fitsAnywhere = used.some((s, i) => shardHasRoom(s, shardAllowanceMicros(capMicros, shardCount, i), hold));
    expect(fitsAnywhere).toBe(false);
    expect(capMicros - used.reduce((a, s) => a + s.spentMicros, 0)).toBe(maxStrandedMicros(shardCount, hold));
  });

  it('refuses as a platform pause (503), retryable, naming the platform cap and no customer limit', () => {
    const error = platformCapExhausted();
    expect(error).toMatchObject({ code: 'GENERATION_PAUSED', retryable: true, details: { reason: 'platform budget exhausted', limit: 'platformMonthlyCap' } });
  });

  it('validates the configuration it is given', () => {
    expect(() => assertPlatformCap({ capMicros: 1, shardCount: 16, maxShardTries: 16 })).not.toThrow();
    expect(() => assertPlatformCap({ capMicros: 1.5, shardCount: 16, maxShardTries: 16 })).toThrow();
    expect(() => assertPlatformCap({ capMicros: 1, shardCount: 0, maxShardTries: 1 })).toThrow();
    expect(() => assertPlatformCap({ capMicros: 1, shardCount: 101, maxShardTries: 1 })).toThrow();
  });
});
