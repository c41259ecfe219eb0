import type { CloudEvent } from '@google-cloud/functions-framework';
import { COLLECTIONS } from '../../../functions/src/adapters/firestore/collections';
import { handleBudgetAlert, CLAIM_TTL_MS } from '../../../functions/src/app/handleBudgetAlert';
import { changeControls } from '../../../functions/src/app/changeControls';
import { budgetAlerts, setBudgetAlertDepsForTests, webhookNotifier } from '../../../functions/src/functions/budgetAlerts';
import { auditIdForBudgetAction, budgetActionKey } from '../../../functions/src/domain/budgetAlert';
import { buildBudgetNotification } from '../../../scripts/budget-simulate';
import { testFirestore, TEST_NOW_MS } from '../../helpers/firestore';
import { settleAll } from '../../helpers/ledger';
import { DECEMBER, JANUARY, budgetDeps, captureLogs, deliver, killSwitchState, startWebhookReceiver, testLog } from './budgetHarness';

let logs: ReturnType<typeof captureLogs>;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

const NOTHING_CHANGED = { controlsExists: false, audit: [], budgetRecords: [] };

function pubsubEvent(data: string | undefined, attributes: Record<string, string> | undefined): CloudEvent<unknown> {
  return {
    specversion: '1.0',
    id: `evt-${Math.random()}`,
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    source: '//pubsub.googleapis.com/projects/p/topics/billing-budget-alerts',
    data: { message: { ...(data !== undefined ? { data } : {}), ...(attributes ? { attributes } : {}), messageId: 'm1', publishTime: new Date().toISOString() }, subscription: 's' },
  };
}

describe('budget kill switch: repeats, forgeries and garbage (real Firestore emulator)', () => {
  it('given the same 90% notification 5 times, then one pause, one degrade, one audit record each', async () => {
    const db = testFirestore('budget-repeat');
    const deps = budgetDeps(db);

    const outcomes = [];
    for (let i = 0; i < 5; i += 1) outcomes.push(await deliver(deps, 0.9));

    expect(outcomes[0]).toMatchObject({ kind: 'escalated', steps: [{ status: 'applied' }, { status: 'applied' }] });
    for (const o of outcomes.slice(1)) expect(o).toMatchObject({ kind: 'escalated', steps: [{ status: 'duplicate' }, { status: 'duplicate' }] });
    const state = await killSwitchState(db);
    expect(state.audit.map((a) => a.action).sort()).toEqual(['degrade', 'pause']);
    expect(state.controls.generationPaused).toBe(true);
    expect(deps.alerts).toHaveLength(2);
    await db.terminate();
  });

  it('given the same notification delivered 5 times at once, then one action and one audit record; deliveries that met a claim are redelivered and find it done', async () => {
    const db = testFirestore('budget-concurrent');
    const deps = budgetDeps(db, { rules: [{ threshold: 0.9, action: { action: 'pause' } }] });
    const n = buildBudgetNotification({ ratio: 0.9, costIntervalStart: DECEMBER });
    const once = () => handleBudgetAlert(deps, { attributes: n.attributes, data: n.data }, testLog);

    const outcome = await settleAll(Array.from({ length: 5 }, once));
    // Losers either saw the record applied, or met the live claim and asked for redelivery (retryable).
    expect(Object.keys(outcome.errors).every((code) => code === 'CONFLICT')).toBe(true);
    const redelivered = await once();

    expect(redelivered).toMatchObject({ kind: 'escalated', steps: [{ status: 'duplicate' }] });
    const applied = outcome.ok.flatMap((o) => (o.kind === 'escalated' ? o.steps : [])).filter((s) => s.status === 'applied');
    expect(applied).toHaveLength(1);
    const state = await killSwitchState(db);
    expect(state.audit).toEqual([expect.objectContaining({ id: auditIdForBudgetAction(budgetActionKey('local-budget', Date.parse(DECEMBER), 0.9)), action: 'pause' })]);
    expect(deps.alerts).toHaveLength(1);
    await db.terminate();
  });

  it('given a budget id outside the allowlist, then nothing changes and a WARNING names it', async () => {
    const db = testFirestore('budget-forged');
    const deps = budgetDeps(db);

    const outcome = await deliver(deps, 1.5, { budgetId: 'someone-elses-budget' });

    expect(outcome).toEqual({ kind: 'ignored', reason: 'budget id not allowed' });
    expect(await killSwitchState(db)).toMatchObject(NOTHING_CHANGED);
    expect(logs.lines.find((l) => l.message.includes('not in BUDGET_ALLOWED_IDS'))).toMatchObject({ severity: 'WARNING', budgetId: 'someone-elses-budget' });
    expect(deps.alerts).toEqual([]);
    await db.terminate();
  });

  it.each([
    ['data that is not JSON', Buffer.from('{"costAmount": 9').toString('base64'), true],
    ['data missing costIntervalStart', Buffer.from(JSON.stringify({ ...buildBudgetNotification({ ratio: 0.9, costIntervalStart: DECEMBER }).data, costIntervalStart: undefined })).toString('base64'), true],
    ['costAmount of the wrong type', Buffer.from(JSON.stringify({ ...buildBudgetNotification({ ratio: 0.9, costIntervalStart: DECEMBER }).data, costAmount: 'lots' })).toString('base64'), true],
    ['no attributes', Buffer.from(JSON.stringify(buildBudgetNotification({ ratio: 0.9, costIntervalStart: DECEMBER }).data)).toString('base64'), false],
    ['no data at all', undefined, true],
  ])('given %s, then the function logs at ERROR, resolves (acknowledged) and nothing changes', async (_label, data, withAttributes) => {
    const db = testFirestore('budget-malformed');
    setBudgetAlertDepsForTests(budgetDeps(db));
    const attributes = withAttributes ? buildBudgetNotification({ ratio: 0.9, costIntervalStart: DECEMBER }).attributes : undefined;
    try {
      await expect(budgetAlerts(pubsubEvent(data, attributes))).resolves.toBeUndefined();
      expect(await killSwitchState(db)).toMatchObject(NOTHING_CHANGED);
      expect(logs.lines.find((l) => l.severity === 'ERROR')).toMatchObject({ message: expect.stringMatching(/malformed budget notification/) });
    } finally {
      setBudgetAlertDepsForTests(undefined);
      await db.terminate();
    }
  });

  it('given an envelope that is not a Pub/Sub message, then it is logged and acknowledged', async () => {
    await expect(budgetAlerts({ ...pubsubEvent(undefined, undefined), data: 'nonsense' })).resolves.toBeUndefined();
    expect(logs.lines.find((l) => l.severity === 'ERROR')).toMatchObject({ message: expect.stringMatching(/malformed budget notification envelope/) });
  });

  it('given an admin paused by hand, when a new period starts below every threshold, then the pause stays', async () => {
    const db = testFirestore('budget-admin-pause');
    const deps = budgetDeps(db);
    await deliver(deps, 0.6, { interval: DECEMBER });
    await changeControls(db, { change: { action: 'pause' }, reason: 'suspicious traffic', by: 'admin:ops@example.com', nowMs: TEST_NOW_MS + 5_000, source: 'admin' }, testLog);
    deps.clock.set(TEST_NOW_MS + 10_000);

    const outcome = await deliver(deps, 0.01, { interval: JANUARY });

    // The budget's own degrade is lifted; the admin's pause is not touched.
    expect(outcome).toMatchObject({ kind: 'below-thresholds', resume: { action: 'undegrade', changed: true } });
    const state = await killSwitchState(db);
    expect(state.controls).toMatchObject({ generationPaused: true, degradeToModel: null });
    expect(state.audit.map((a) => `${a.action}:${a.by}`)).toEqual(['degrade:budget:local-budget', 'pause:admin:ops@example.com', 'undegrade:budget:local-budget']);
    await db.terminate();
  });

  it('given only an admin pause, when a new period starts, then nothing is resumed and no alert is sent', async () => {
    const db = testFirestore('budget-admin-only');
    const deps = budgetDeps(db);
    await deliver(deps, 0.2, { interval: DECEMBER });
    await changeControls(db, { change: { action: 'pause' }, reason: 'maintenance', by: 'admin:ops@example.com', nowMs: TEST_NOW_MS + 5_000, source: 'admin' }, testLog);
    deps.clock.set(TEST_NOW_MS + 10_000);

    await deliver(deps, 0.01, { interval: JANUARY });

    const state = await killSwitchState(db);
    expect(state.controls).toMatchObject({ generationPaused: true, by: 'admin:ops@example.com' });
    expect(state.audit).toHaveLength(1);
    expect(deps.alerts).toEqual([]);
    await db.terminate();
  });

  it('given an admin resumed after the budget paused, when the same 90% notice repeats that day, then it stays resumed', async () => {
    const db = testFirestore('budget-admin-resume');
    const deps = budgetDeps(db);
    await deliver(deps, 0.92);
    deps.clock.set(TEST_NOW_MS + 60_000);
    await changeControls(db, { change: { action: 'resume' }, reason: 'launch day, approved overspend', by: 'admin:cfo@example.com', nowMs: TEST_NOW_MS + 60_000, source: 'admin' }, testLog);

    await deliver(deps, 0.94);
    await deliver(deps, 0.97);

    const state = await killSwitchState(db);
    expect(state.controls).toMatchObject({ generationPaused: false, degradeToModel: null, by: 'admin:cfo@example.com' });
    expect(state.audit).toHaveLength(3);
    await db.terminate();
  });

  it('given January was already seen, when a late December 90% notice arrives, then it does not pause January', async () => {
    const db = testFirestore('budget-stale');
    const deps = budgetDeps(db);
    await deliver(deps, 0.05, { interval: JANUARY });

    const outcome = await deliver(deps, 0.95, { interval: DECEMBER });

    expect(outcome).toMatchObject({ kind: 'stale', latestIntervalStartMs: Date.parse(JANUARY) });
    const state = await killSwitchState(db);
    expect(state.controlsExists).toBe(false);
    expect(state.audit).toEqual([]);
    expect(logs.lines.find((l) => l.message.includes('older than one already seen'))).toMatchObject({ severity: 'WARNING' });
    await db.terminate();
  });

  it('given auto-resume is off, then a new period leaves the pause for an admin', async () => {
    const db = testFirestore('budget-no-auto-resume');
    const deps = budgetDeps(db, { autoResume: false });
    await deliver(deps, 0.95, { interval: DECEMBER });
    const outcome = await deliver(deps, 0.01, { interval: JANUARY });
    expect(outcome).toMatchObject({ kind: 'below-thresholds', resume: null });
    expect((await killSwitchState(db)).controls.generationPaused).toBe(true);
    await db.terminate();
  });

  it('given a delivery died after its claim, then a live claim asks for redelivery and an expired one is taken over', async () => {
    const db = testFirestore('budget-takeover');
    const deps = budgetDeps(db, { rules: [{ threshold: 0.9, action: { action: 'pause' } }] });
    const key = budgetActionKey('local-budget', Date.parse(DECEMBER), 0.9);
    const now = deps.clock.nowMs() + 1_000;
    await db.collection(COLLECTIONS.budgetAlerts).doc(`alert_${key}`).set({
      kind: 'budget-action', budgetId: 'local-budget', costIntervalStartMs: Date.parse(DECEMBER), threshold: 0.9, action: 'threshold', status: 'pending',
      claimedUntilMs: now + CLAIM_TTL_MS, attempts: 1, outcome: null, level: 0.9, costAmount: 900, budgetAmount: 1000, currencyCode: 'USD', createdAtMs: now, updatedAtMs: now,
    });

    await expect(deliver(deps, 0.9)).rejects.toMatchObject({ code: 'CONFLICT', retryable: true });
    expect((await killSwitchState(db)).controlsExists).toBe(false);

    deps.clock.set(now + CLAIM_TTL_MS + 1);
    await expect(deliver(deps, 0.9)).resolves.toMatchObject({ steps: [{ action: 'pause', status: 'applied', changed: true }] });
    expect((await killSwitchState(db)).audit).toHaveLength(1);
    await db.terminate();
  });

  it('given the webhook hangs or fails, then the action is applied anyway, within the timeout, and the failure is logged', async () => {
    const db = testFirestore('budget-webhook-fail');
    const hanging = await startWebhookReceiver({ delayMs: 5_000 });
    try {
      const deps = budgetDeps(db, { notifier: webhookNotifier({ url: hanging.url, timeoutMs: 200 }, testLog) });
      const started = Date.now();
      await deliver(deps, 0.9);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect((await killSwitchState(db)).controls.generationPaused).toBe(true);
      expect(logs.lines.filter((l) => l.message === 'budget alert webhook failed')).toHaveLength(2);

      const refused = budgetDeps(db, { notifier: webhookNotifier({ url: 'http://127.0.0.1:9/unreachable', timeoutMs: 200 }, testLog) });
      await deliver(refused, 0.2, { interval: JANUARY });
      expect((await killSwitchState(db)).controls.generationPaused).toBe(false);
      expect(logs.lines.filter((l) => l.message === 'budget alert webhook failed').length).toBeGreaterThanOrEqual(3);
    } finally {
      await hanging.stop();
      await db.terminate();
    }
  });
});
