import type { Firestore } from '@google-cloud/firestore';
import { isTerminal } from '../../domain/generation';
import { holdEntryId, resolutionEntryId } from '../../domain/ledger';
import { COLLECTIONS } from './collections';
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
