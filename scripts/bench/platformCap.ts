import { Firestore } from '@google-cloud/firestore';
import { randomUUID } from 'node:crypto';
import { ensureAccount } from '../../functions/src/adapters/firestore/accounts';
import { accountRef } from '../../functions/src/adapters/firestore/refs';
import { reserveGeneration, type ReserveInput } from '../../functions/src/adapters/firestore/reserveGeneration';
import { loadPriceBooks } from '../../functions/src/adapters/priceBookFile';
import type { PlatformCap } from '../../functions/src/domain/platformCap';
import { currentPriceBook } from '../../functions/src/domain/priceBook';
import { countOperations } from './countingFirestore';
import { formatSummary, summarize, timeEach } from './stats';

/**
 * The ledger's platform cap: the same reservations with the cap off and on (cap far above the
 * workload, so only its cost shows), then a cap the workload exhausts (the refusal path). Each
 * run gets a fresh project, so shards and accounts start empty every time.
 */
const LIMITS = { monthlyCapMicros: 1e12, maxPerVideoMicros: 1e9, maxGenerationsPerHour: 1e6, maxInFlight: 1e6 };
const HOLD_MICROS = 320_000; // the bench request: Veo 3.1 Fast, 720p, 4 s, no audio

export interface PlatformCapBenchOptions {
  quick: boolean;
}

interface Run {
  db: Firestore;
  nowMs: number;
  version: string;
  /** Documents read outside transactions (the cap's lock-free shard reads), which countOperations does not see. */
  plainReads: { count: number };
}

function newRun(): Run {
  const db = new Firestore({ projectId: `bench-cap-${randomUUID().slice(0, 8)}`, ignoreUndefinedProperties: true });
  const plainReads = { count: 0 };
  const getAll = db.getAll.bind(db);
  (db as { getAll: Firestore['getAll'] }).getAll = ((...refs: Parameters<Firestore['getAll']>) => {
    plainReads.count += refs.filter((r) => r && typeof r === 'object' && 'path' in r).length;
    return getAll(...refs);
  }) as Firestore['getAll'];
  const nowMs = Date.now();
  return { db, nowMs, version: currentPriceBook(loadPriceBooks(), nowMs).version, plainReads };
}

async function seed(run: Run, accountId: string): Promise<void> {
  await ensureAccount(run.db, { accountId, ownerUid: `uid-${accountId}`, email: `${accountId}@bench`, plan: 'bench', billingMode: 'payg', limits: LIMITS, nowMs: run.nowMs });
  await accountRef(run.db, accountId).update({ consent: { priceBookVersion: run.version, maxMicrosPerVideo: 1e9, allowCheaperModel: false, atMs: run.nowMs } });
}

function input(run: Run, accountId: string, platformCap: PlatformCap | null): ReserveInput {
  return {
    accountId,
    idempotencyKey: randomUUID(),
    request: { prompt: 'bench', model: 'veo-3.1-fast-generate-001', durationSeconds: 4, resolution: '720p', aspectRatio: '16:9', generateAudio: false, numberOfVideos: 1 },
    priceBook: currentPriceBook(loadPriceBooks(), run.nowMs),
    nowMs: run.nowMs,
    holdTtlMs: 3_600_000,
    source: 'bench',
    trace: null,
    actor: 'bench',
    platformCap,
  };
}

const capOf = (holds: number, shardCount = 16): PlatformCap => ({ capMicros: holds * HOLD_MICROS, shardCount, maxShardTries: shardCount });

/** `accounts` × `perAccount` reservations at once; returns reservations/s and what happened. */
async function burst(accounts: number, perAccount: number, platformCap: PlatformCap | null) {
  const run = newRun();
  const ids = Array.from({ length: accounts }, (_, i) => `bench-${i}`);
  await Promise.all(ids.map((a) => seed(run, a)));
  if (platformCap) await reserveGeneration(run.db, input(run, 'bench-0', platformCap)); // creates the period's shards, as any earlier reservation this month would have
  const { counts } = countOperations(run.db);
  const started = process.hrtime.bigint();
  const results = await Promise.allSettled(ids.flatMap((a) => Array.from({ length: perAccount }, () => reserveGeneration(run.db, input(run, a, platformCap)))));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const total = accounts * perAccount;
  const refused = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'GENERATION_PAUSED').length;
  const failed = results.filter((r) => r.status === 'rejected').length - refused;
  await run.db.terminate();
  return { perSecond: total / seconds, seconds, total, refused, failed, attempts: counts.transactions };
}

export async function benchPlatformCap(options: PlatformCapBenchOptions): Promise<string[]> {
  const lines: string[] = ['\n## platform cap (PLATFORM_MONTHLY_CAP_USD, 16 shards) — same workload, cap off vs on'];
  const bigCap = capOf(1e6);

  // Operations per reservation: one warm reservation each way, counted.
  for (const [label, cap] of [['off', null], ['on', bigCap]] as const) {
    const run = newRun();
    await seed(run, 'ops');
    await reserveGeneration(run.db, input(run, 'ops', cap));
    const { counts, reset } = countOperations(run.db);
    reset();
    run.plainReads.count = 0;
    await reserveGeneration(run.db, input(run, 'ops', cap));
    lines.push(
      `firestore ops per reservation, cap ${label.padEnd(3)}       reads ${counts.reads} in tx + ${run.plainReads.count} lock-free  writes ${counts.writes}  transactions ${counts.transactions}`,
    );
    await run.db.terminate();
  }
  lines.push('  (cap on adds 1 shard read, in parallel with the batched read — no extra round trip — and 1 shard write with an update-time precondition)');

  // Sequential latency, interleaved so both see the same emulator state.
  const seq = newRun();
  await seed(seq, 'seq');
  const samples = options.quick ? 40 : 200;
  await timeEach(10, () => reserveGeneration(seq.db, input(seq, 'seq', null)));
  await timeEach(10, () => reserveGeneration(seq.db, input(seq, 'seq', bigCap)));
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    off.push(...(await timeEach(1, () => reserveGeneration(seq.db, input(seq, 'seq', null)))));
    on.push(...(await timeEach(1, () => reserveGeneration(seq.db, input(seq, 'seq', bigCap)))));
  }
  await seq.db.terminate();
  const offSummary = summarize(off);
  const onSummary = summarize(on);
  lines.push(formatSummary('reserve, sequential, cap off', offSummary));
  lines.push(formatSummary('reserve, sequential, cap on', onSummary));
  lines.push(`cap on / off latency                         p50 ${(onSummary.p50Ms / offSummary.p50Ms).toFixed(2)}x  p95 ${(onSummary.p95Ms / offSummary.p95Ms).toFixed(2)}x`);

  // Throughput: the same burst twice each way, alternating (the emulator's lock waits are noisy).
  const accounts = options.quick ? 5 : 10;
  const perAccount = options.quick ? 2 : 5;
  const spread = accounts * perAccount;
  const describe = (r: Awaited<ReturnType<typeof burst>>) =>
    `${r.perSecond.toFixed(1).padStart(6)} reservations/s  (${r.total} in ${r.seconds.toFixed(2)} s, ${r.attempts - r.total} aborted attempts retried${r.refused ? `, ${r.refused} refused by the cap` : ''}${r.failed ? `, ${r.failed} FAILED` : ''})`;
  for (let round = 1; round <= 2; round += 1) {
    lines.push(`${accounts} accounts x ${perAccount} at once, cap off, round ${round}`.padEnd(45) + describe(await burst(accounts, perAccount, null)));
    lines.push(`${accounts} accounts x ${perAccount} at once, cap on,  round ${round}`.padEnd(45) + describe(await burst(accounts, perAccount, bigCap)));
  }
  lines.push(`${spread} accounts x 1 at once, cap off`.padEnd(45) + describe(await burst(spread, 1, null)));
  lines.push(`${spread} accounts x 1 at once, cap on`.padEnd(45) + describe(await burst(spread, 1, bigCap)));
  // No account contention left, so the shards are the bottleneck: more shards, more parallel holds (and more stranding).
  lines.push(`${spread} accounts x 1 at once, cap on, 64 shards`.padEnd(45) + describe(await burst(spread, 1, { ...bigCap, shardCount: 64, maxShardTries: 64 })));
  // The cap binds: whole holds per shard (a slice under one hold strands it), about 2/3 of the burst
  // fits; the rest are refused through the scan-and-retry path. One hold is taken before the burst.
  const bindingHolds = 16 * Math.max(1, Math.round((spread * 0.64) / 16));
  lines.push(`${accounts} accounts x ${perAccount}, cap fits ${bindingHolds - 1} more`.padEnd(45) + describe(await burst(accounts, perAccount, capOf(bindingHolds))));
  return lines;
}
