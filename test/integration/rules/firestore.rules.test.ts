import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { doc, getDoc, setDoc, updateDoc, deleteDoc } from 'firebase/firestore';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Security rules are evaluated only by the official emulator; the embedded backend (machines
 * without google-cloud-cli) does not implement the rules language, so these tests say so and skip.
 */
const official = process.env.REELGUARD_EMULATOR_BACKEND === 'official';
const describeRules = official ? describe : describe.skip;
if (!official) {
  // eslint-disable-next-line no-console
  console.warn('firestore.rules tests skipped: the embedded Firestore emulator does not evaluate security rules');
}

describeRules('firestore.rules: clients never write money', () => {
  let env: RulesTestEnvironment;
  const owner = 'uid-owner';

  beforeAll(async () => {
    const [host, port] = process.env.FIRESTORE_EMULATOR_HOST!.split(':');
    env = await initializeTestEnvironment({
      projectId: `rules-${Date.now()}`,
      firestore: { host: host!, port: Number(port), rules: fs.readFileSync(path.resolve(__dirname, '../../../firestore.rules'), 'utf8') },
    });
    await env.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      await setDoc(doc(db, 'accounts/a1'), { ownerUid: owner, heldMicros: 0, spentMicros: 0 });
      await setDoc(doc(db, 'accounts/a1/entries/g1.hold'), { kind: 'hold', amountMicros: 1 });
      await setDoc(doc(db, 'generations/g1'), { ownerUid: owner, accountId: 'a1', status: 'queued' });
      await setDoc(doc(db, 'controls/global'), { generationPaused: false });
      await setDoc(doc(db, 'sessions/s1'), { accountId: 'a1' });
    });
  });
  afterAll(() => env?.cleanup());

  const moneyDocs = ['accounts/a1', 'accounts/a1/entries/g1.hold', 'accounts/a1/entries/new', 'generations/g1', 'generations/new', 'controls/global', 'sessions/s1', 'adminAudit/x', 'platformSpend/x', 'stripeEvents/x', 'budgetAlerts/x'];

  it.each(moneyDocs)('denies the owner every write to %s', async (p) => {
    const db = env.authenticatedContext(owner).firestore();
    await assertFails(setDoc(doc(db, p), { heldMicros: 0, ownerUid: owner }));
    await assertFails(deleteDoc(doc(db, p)));
  });

  it('denies an owner raising their own cap or zeroing their spend', async () => {
    const db = env.authenticatedContext(owner).firestore();
    await assertFails(updateDoc(doc(db, 'accounts/a1'), { spentMicros: 0 }));
    await assertFails(updateDoc(doc(db, 'accounts/a1'), { 'limits.monthlyCapMicros': 1e12 }));
  });

  it.each(moneyDocs)('denies anonymous clients every write to %s', async (p) => {
    await assertFails(setDoc(doc(env.unauthenticatedContext().firestore(), p), { x: 1 }));
  });

  it('lets the owner read their account, entries and generations, and nobody else', async () => {
    const mine = env.authenticatedContext(owner).firestore();
    await assertSucceeds(getDoc(doc(mine, 'accounts/a1')));
    await assertSucceeds(getDoc(doc(mine, 'accounts/a1/entries/g1.hold')));
    await assertSucceeds(getDoc(doc(mine, 'generations/g1')));
    const theirs = env.authenticatedContext('someone-else').firestore();
    await assertFails(getDoc(doc(theirs, 'accounts/a1')));
    await assertFails(getDoc(doc(theirs, 'accounts/a1/entries/g1.hold')));
    await assertFails(getDoc(doc(theirs, 'generations/g1')));
    await assertFails(getDoc(doc(mine, 'controls/global')));
    await assertFails(getDoc(doc(mine, 'sessions/s1')));
  });
});
