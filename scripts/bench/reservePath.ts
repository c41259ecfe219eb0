import { Firestore } from '@google-cloud/firestore';
import { randomUUID } from 'node:crypto';
import { ensureAccount } from '../../functions/src/adapters/firestore/accounts';
import { accountRef } from '../../functions/src/adapters/firestore/refs';
import { reserveGeneration, type ReserveInput } from '../../functions/src/adapters/firestore/reserveGeneration';
import { loadPriceBooks } from '../../functions/src/adapters/priceBookFile';
import { currentPriceBook } from '../../functions/src/domain/priceBook';
import { countOperations } from './countingFirestore';
import { formatSummary, summarize, timeEach } from './stats';

const LIMITS = { monthlyCapMicros: 1e12, maxPerVideoMicros: 1e9, maxGenerationsPerHour: 1e6, maxInFlight: 1e6 };

async function seed(db: Firestore, accountId: string, nowMs: number, versionOf: string): Promise<void> {
  await ensureAccount(db, { accountId, ownerUid: `uid-${accountId}`, email: `${accountId}@bench`, plan: 'bench', billingMode: 'payg', limits: LIMITS, nowMs });
  await accountRef(db, accountId).update({ consent: { priceBookVersion: versionOf, maxMicrosPerVideo: 1e9, allowCheaperModel: false, atMs: nowMs } });
}

function input(accountId: string, nowMs: number): ReserveInput {
  return {
    accountId,
    idempotencyKey: randomUUID(),
    request: {
      prompt: 'bench',
      model: 'veo-3.1-fast-generate-001',
      durationSeconds: 4,
      resolution: '720p',
      aspectRatio: '16:9',
      generateAudio: false,
      numberOfVideos: 1,
    },
    priceBook: currentPriceBook(loadPriceBooks(), nowMs),
    nowMs,
    holdTtlMs: 3_600_000,
    source: 'bench',
    trace: null,
    actor: 'bench',
  };
}

export interface ReservePathOptions {
  samples: number;
  warmup: number;
  concurrentAccounts: number;
  concurrentPerAccount: number;
}

/**
 * reserveGeneration against a bare one-document transaction on the same emulator, sequentially
 * (latency) and with many accounts at once (throughput), plus operations per reservation.
 */
export async function benchReservePath(options: ReservePathOptions): Promise<string[]> {
  const lines: string[] = [];
  const db = new Firestore({ projectId: `bench-${Date.now()}`, ignoreUndefinedProperties: true });
  const nowMs = Date.now();
  const version = currentPriceBook(loadPriceBooks(), nowMs).version;
  const counter = db.collection('bench').doc('bare');
  const bare = () =>
    db.runTransaction(async (tx) => {
      const snap = await tx.get(counter);
      tx.set(counter, { n: ((snap.get('n') as number | undefined) ?? 0) + 1 });
    });
  await seed(db, 'bench-seq', nowMs, version);

  await timeEach(options.warmup, () => bare());
  await timeEach(options.warmup, () => reserveGeneration(db, input('bench-seq', nowMs)));
  // Interleave so both see the same emulator state (growing collections, JIT, GC).
  const bareSamples: number[] = [];
  const reserveSamples: number[] = [];
  for (let i = 0; i < options.samples; i += 1) {
    bareSamples.push(...(await timeEach(1, () => bare())));
    reserveSamples.push(...(await timeEach(1, () => reserveGeneration(db, input('bench-seq', nowMs)))));
  }
  const bareSummary = summarize(bareSamples);
  const reserveSummary = summarize(reserveSamples);
  lines.push(formatSummary('bare 1-doc transaction (read+write)', bareSummary));
  lines.push(formatSummary('reserveGeneration (sequential, one account)', reserveSummary));
  lines.push(
    `reserve / bare ratio                                 p50 ${(reserveSummary.p50Ms / bareSummary.p50Ms).toFixed(2)}x  p95 ${(reserveSummary.p95Ms / bareSummary.p95Ms).toFixed(2)}x  (goal <= 1.5x)`,
  );

  const { counts, reset } = countOperations(db);
  reset();
  await reserveGeneration(db, input('bench-seq', nowMs));
  lines.push(`firestore ops per reservation                reads ${counts.reads}  writes ${counts.writes}  transactions ${counts.transactions} (1 batched read round trip + 1 commit)`);

  const accounts = Array.from({ length: options.concurrentAccounts }, (_, i) => `bench-c${i}`);
  await Promise.all(accounts.map((a) => seed(db, a, nowMs, version)));
  const total = options.concurrentAccounts * options.concurrentPerAccount;
  reset();
  const started = process.hrtime.bigint();
  const results = await Promise.allSettled(
    accounts.flatMap((a) => Array.from({ length: options.concurrentPerAccount }, () => reserveGeneration(db, input(a, nowMs)))),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const failed = results.filter((r) => r.status === 'rejected').length;
  lines.push(
    `throughput, ${options.concurrentAccounts} accounts x ${options.concurrentPerAccount} at once`.padEnd(52) +
      ` ${(total / seconds).toFixed(1)} reservations/s  (${total} in ${seconds.toFixed(2)} s, ${failed} failed, ${counts.transactions - total} aborted attempts retried)`,
  );
  // The same number of reservations, each on its own account: no lock contention, the emulator's ceiling.
  const spread = Array.from({ length: total }, (_, i) => `bench-s${i}`);
  await Promise.all(spread.map((a) => seed(db, a, nowMs, version)));
  reset();
  const spreadStarted = process.hrtime.bigint();
  await Promise.all(spread.map((a) => reserveGeneration(db, input(a, nowMs))));
  const spreadSeconds = Number(process.hrtime.bigint() - spreadStarted) / 1e9;
  lines.push(
    `throughput, ${total} accounts x 1 at once`.padEnd(52) +
      ` ${(total / spreadSeconds).toFixed(1)} reservations/s  (${counts.transactions - total} aborted attempts retried)`,
  );
  await db.terminate();
  return lines;
}
