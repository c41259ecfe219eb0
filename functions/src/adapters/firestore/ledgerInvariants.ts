import type { Firestore } from '@google-cloud/firestore';
import { isTerminal } from '../../domain/generation';
import { holdEntryId, resolutionEntryId } from '../../domain/ledger';
import { shardAllowanceMicros } from '../../domain/platformCap';
import { COLLECTIONS } from './collections';
import { platformShardsOf } from './platformCap';
import { accountRef, entriesOf, generationsCollection } from './refs';

export interface InvariantViolation {
  accountId: string;
  generationId?: string;
  invariant: 'caps' | 'totals' | 'one-hold-one-resolution' | 'generation-matches-ledger';
  message: string;
}

/**
 * Recomputes an account from its immutable entries and its generations and reports every way
 * they disagree (DESIGN.md invariants 1–3). Tests call it after every scenario; the sweeper runs
 * it in production and logs violations at ERROR.
 */
export async function checkAccountInvariants(db: Firestore, accountId: string): Promise<InvariantViolation[]> {
  const violations: InvariantViolation[] = [];
  const report = (invariant: InvariantViolation['invariant'], message: string, generationId?: string) =>
    violations.push({ accountId, invariant, message, ...(generationId ? { generationId } : {}) });

  const [accountSnap, entriesSnap, generationsSnap] = await Promise.all([
    accountRef(db, accountId).get(),
    entriesOf(db, accountId).get(),
    generationsCollection(db).where('accountId', '==', accountId).get(),
  ]);
  const account = accountSnap.data();
  if (!account) {
    report('totals', 'account document is missing');
    return violations;
  }

  // 1. caps
  if (account.spentMicros + account.heldMicros > account.limits.monthlyCapMicros) {
    report('caps', `spent ${account.spentMicros} + held ${account.heldMicros} exceeds cap ${account.limits.monthlyCapMicros}`);
  }
  if (account.billingMode === 'prepaid' && account.creditMicros < account.heldMicros) {
    report('caps', `prepaid credit ${account.creditMicros} is below held ${account.heldMicros}`);
  }

  // 2. totals == sum of entries
  let held = 0;
  let credit = 0;
  let spentThisPeriod = 0;
  let holds = 0;
  let resolutions = 0;
  const entryIds = new Set<string>();
  for (const doc of entriesSnap.docs) {
    const entry = doc.data();
    entryIds.add(doc.id);
    held += entry.heldDeltaMicros;
    credit += entry.creditDeltaMicros;
    if (entry.periodKey === account.periodKey) spentThisPeriod += entry.spentDeltaMicros;
    if (entry.kind === 'hold') holds += 1;
    if (entry.kind === 'settle' || entry.kind === 'release' || entry.kind === 'expire') resolutions += 1;
  }
  if (held !== account.heldMicros) report('totals', `heldMicros ${account.heldMicros} != sum of entries ${held}`);
  if (credit !== account.creditMicros) report('totals', `creditMicros ${account.creditMicros} != sum of entries ${credit}`);
  if (spentThisPeriod !== account.spentMicros) report('totals', `spentMicros ${account.spentMicros} != sum of ${account.periodKey} entries ${spentThisPeriod}`);
  if (holds - resolutions !== account.inFlight) report('totals', `inFlight ${account.inFlight} != open holds ${holds - resolutions}`);

  // 3. per generation: one hold, at most one resolution, and the generation agrees with them
  for (const doc of generationsSnap.docs) {
    const generation = doc.data();
    const hasHold = entryIds.has(holdEntryId(doc.id));
    const hasResolution = entryIds.has(resolutionEntryId(doc.id));
    if (!hasHold) report('one-hold-one-resolution', 'generation has no hold entry', doc.id);
    const resolved = generation.resolution !== null;
    if (resolved !== hasResolution) {
      report('generation-matches-ledger', `resolution field ${generation.resolution} disagrees with entries (resolution entry ${hasResolution})`, doc.id);
    }
    if (isTerminal(generation.status) !== resolved) {
      report('generation-matches-ledger', `status ${generation.status} but resolution ${generation.resolution}`, doc.id);
    }
    if (generation.costMicros !== null && generation.costMicros > generation.holdMicros) {
      report('generation-matches-ledger', `cost ${generation.costMicros} exceeds hold ${generation.holdMicros}`, doc.id);
    }
  }
  const generationIds = new Set(generationsSnap.docs.map((d) => d.id));
  for (const doc of entriesSnap.docs) {
    const generationId = doc.data().generationId;
    if (generationId && !generationIds.has(generationId)) report('one-hold-one-resolution', `entry ${doc.id} names a missing generation`, generationId);
  }
  return violations;
}

/** Every account, a page at a time, with a bound on how many are checked per call. */
export async function checkAllInvariants(db: Firestore, options: { maxAccounts: number; pageSize?: number }): Promise<{ checked: number; violations: InvariantViolation[] }> {
  const pageSize = options.pageSize ?? 100;
  const violations: InvariantViolation[] = [];
  let checked = 0;
  let cursor: string | undefined;
  while (checked < options.maxAccounts) {
    let query = db.collection(COLLECTIONS.accounts).orderBy('__name__').limit(Math.min(pageSize, options.maxAccounts - checked)).select();
    if (cursor) query = query.startAfter(cursor);
    const page = await query.get();
    if (page.empty) break;
    for (const doc of page.docs) {
      violations.push(...(await checkAccountInvariants(db, doc.id)));
      checked += 1;
    }
    cursor = page.docs[page.docs.length - 1]?.id;
  }
  return { checked, violations };
}

export interface PlatformInvariantViolation {
  periodKey: string;
  shardIndex?: number;
  invariant: 'platform-cap' | 'platform-totals' | 'platform-shards';
  message: string;
}

export interface PlatformInvariantReport {
  shards: number;
  spentMicros: number;
  heldMicros: number;
  generationsChecked: number;
  /** False when maxGenerations was reached: the totals check was skipped, the cap checks were not. */
  complete: boolean;
  violations: PlatformInvariantViolation[];
}

/**
 * The platform cap of one period: every shard within its slice, the shards together within the
 * cap, and each shard's held/spent equal to the open holds / settled costs of the generations that
 * name it. `capMicros` is the configured cap (null: no cap configured, only totals are checked).
 * Reads the period's generations a page at a time, selecting only the fields it needs.
 */
export async function checkPlatformInvariants(
  db: Firestore,
  input: { periodKey: string; capMicros: number | null; maxGenerations?: number; pageSize?: number },
): Promise<PlatformInvariantReport> {
  const violations: PlatformInvariantViolation[] = [];
  const report = (invariant: PlatformInvariantViolation['invariant'], message: string, shardIndex?: number) =>
    violations.push({ periodKey: input.periodKey, invariant, message, ...(shardIndex !== undefined ? { shardIndex } : {}) });

  const shards = (await platformShardsOf(db, input.periodKey).get()).docs.map((d) => d.data());
  const pinned = shards[0]?.shardCount ?? 0;
  let spent = 0;
  let held = 0;
  const indexes = new Set<number>();
  for (const shard of shards) {
    spent += shard.spentMicros;
    held += shard.heldMicros;
    indexes.add(shard.index);
    if (shard.shardCount !== pinned) report('platform-shards', `shard ${shard.index} pinned to ${shard.shardCount} shards, shard ${shards[0]!.index} to ${pinned}`, shard.index);
    if (input.capMicros !== null && shard.index < shard.shardCount) {
      const allowance = shardAllowanceMicros(input.capMicros, shard.shardCount, shard.index);
      if (shard.spentMicros + shard.heldMicros > allowance) {
        report('platform-cap', `spent ${shard.spentMicros} + held ${shard.heldMicros} exceeds the shard's allowance ${allowance} (cap lowered since?)`, shard.index);
      }
    }
  }
  if (shards.length > 0 && (indexes.size !== pinned || [...indexes].some((i) => i >= pinned))) {
    report('platform-shards', `expected shards 0..${pinned - 1}, found ${[...indexes].sort((a, b) => a - b).join(',')}`);
  }
  if (input.capMicros !== null && spent + held > input.capMicros) report('platform-cap', `platform spent ${spent} + held ${held} exceeds cap ${input.capMicros}`);

  const maxGenerations = input.maxGenerations ?? 100_000;
  const pageSize = input.pageSize ?? 1_000;
  const expected = new Map<number, { held: number; spent: number }>();
  let checked = 0;
  let cursor: string | undefined;
  let complete = true;
  for (;;) {
    if (checked >= maxGenerations) {
      complete = false;
      break;
    }
    let query = db
      .collection(COLLECTIONS.generations)
      .where('platformShard.periodKey', '==', input.periodKey)
      .orderBy('__name__')
      .select('platformShard', 'holdMicros', 'costMicros', 'resolution')
      .limit(Math.min(pageSize, maxGenerations - checked));
    if (cursor) query = query.startAfter(cursor);
    const page = await query.get();
    if (page.empty) break;
    for (const doc of page.docs) {
      const shardIndex = doc.get('platformShard.index') as number;
      const totals = expected.get(shardIndex) ?? { held: 0, spent: 0 };
      const resolution = doc.get('resolution') as string | null;
      if (resolution === null) totals.held += doc.get('holdMicros') as number;
      else if (resolution === 'settle') totals.spent += (doc.get('costMicros') as number | null) ?? 0;
      expected.set(shardIndex, totals);
    }
    checked += page.size;
    cursor = page.docs[page.docs.length - 1]!.id;
  }
  if (complete) {
    for (const shard of shards) {
      const want = expected.get(shard.index) ?? { held: 0, spent: 0 };
      if (want.held !== shard.heldMicros) report('platform-totals', `held ${shard.heldMicros} != open holds of its generations ${want.held}`, shard.index);
      if (want.spent !== shard.spentMicros) report('platform-totals', `spent ${shard.spentMicros} != settled costs of its generations ${want.spent}`, shard.index);
    }
    for (const index of expected.keys()) if (!indexes.has(index)) report('platform-totals', `generations name shard ${index}, which does not exist`, index);
  }
  return { shards: shards.length, spentMicros: spent, heldMicros: held, generationsChecked: checked, complete, violations };
}
