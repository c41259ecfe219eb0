import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { claimGeneration } from '../../../functions/src/adapters/firestore/generationLifecycle';
import { generationRef } from '../../../functions/src/adapters/firestore/refs';
import { settleGeneration } from '../../../functions/src/adapters/firestore/resolveGeneration';
import { webhookNotifier } from '../../../functions/src/functions/budgetAlerts';
import { auditIdForBudgetAction, budgetActionKey } from '../../../functions/src/domain/budgetAlert';
import { ORIGIN, generationBody, onboardedUser, startApiHarness } from '../../helpers/apiHarness';
import { seedAccount, testFirestore } from '../../helpers/firestore';
import { ledgerSnapshot, reserve } from '../../helpers/ledger';
import { fastRequest } from '../../helpers/requests';
import { DECEMBER, JANUARY, budgetDeps, captureLogs, deliver, killSwitchState, startWebhookReceiver, testLog } from './budgetHarness';

const FULL_MODEL = 'veo-3.1-generate-001';
const FAST_MODEL = 'veo-3.1-fast-generate-001';

let logs: ReturnType<typeof captureLogs>;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

describe('budget kill switch: thresholds act (real Firestore emulator)', () => {
  it('given 50% of the budget, then generation degrades to Fast: a consenting account is re-quoted on it, others keep their model', async () => {
    const db = testFirestore('budget-degrade');
    const deps = budgetDeps(db);
    const consenting = await seedAccount(db, { consent: { allowCheaperModel: true } });
    const strict = await seedAccount(db, { consent: { allowCheaperModel: false } });

    const outcome = await deliver(deps, 0.5);

    expect(outcome).toMatchObject({ kind: 'escalated', steps: [{ action: 'degrade', threshold: 0.5, status: 'applied', changed: true }] });
    const state = await killSwitchState(db);
    expect(state.controls).toMatchObject({ generationPaused: false, degradeToModel: FAST_MODEL, by: 'budget:local-budget' });
    expect(state.audit).toEqual([expect.objectContaining({ id: auditIdForBudgetAction(budgetActionKey('local-budget', Date.parse(DECEMBER), 0.5)), action: 'degrade', source: 'budget' })]);

    const cheaper = await reserve(db, consenting, { request: fastRequest({ model: FULL_MODEL }) });
    expect(cheaper.generation.request.model).toBe(FAST_MODEL);
    expect(cheaper.generation.degradedFrom).toBe(FULL_MODEL);
    const unchanged = await reserve(db, strict, { request: fastRequest({ model: FULL_MODEL }) });
    expect(unchanged.generation.request.model).toBe(FULL_MODEL);
    expect((await ledgerSnapshot(db, consenting)).violations).toEqual([]);

    const alert = logs.lines.find((l) => l.message.includes('generation degraded to'));
    expect(alert).toMatchObject({ severity: 'WARNING', budgetId: 'local-budget', action: 'degrade', threshold: 0.5 });
    expect(deps.alerts).toEqual([expect.objectContaining({ severity: 'WARNING', action: 'degrade', changed: true, threshold: 0.5 })]);
    await db.terminate();
  });

  it('given 90%, then new generations get 503 GENERATION_PAUSED, queued ones are not started, and an in-flight one still settles', async () => {
    const h = await startApiHarness('budget-pause');
    try {
      const deps = budgetDeps(h.db);
      const { cookie, accountId } = await onboardedUser(h, 'maker@example.com');
      const post = () => request(h.server).post('/v1/generations').set('Cookie', cookie).set('Origin', ORIGIN).set('Idempotency-Key', randomUUID()).send(generationBody());
      const inFlight = (await post().expect(202)).body.id as string;
      const queued = (await post().expect(202)).body.id as string;
      await generationRef(h.db, inFlight).update({ status: 'running', operationName: 'operations/in-flight' });

      const outcome = await deliver(deps, 0.93);

      // A lost 0.5 notice does not matter: 0.93 crosses both thresholds, each applied once.
      expect(outcome).toMatchObject({ kind: 'escalated', steps: [{ action: 'degrade', changed: true }, { action: 'pause', changed: true }] });
      const refused = await post().expect(503);
      expect(refused.body.error).toMatchObject({ code: 'GENERATION_PAUSED', details: { reason: 'platform budget alert: 90% of the monthly budget reached' } });
      // Customers must not learn the platform's budget figures or names from the refusal.
      expect(JSON.stringify(refused.body)).not.toMatch(/1000|900|USD|reelguard Veo spend/);
      expect(await claimGeneration(h.db, { generationId: queued, owner: 'worker-test', nowMs: Date.now(), leaseMs: 60_000 })).toMatchObject({ kind: 'skip', reason: 'paused' });
      const settled = await settleGeneration(h.db, { generationId: inFlight, videosReturned: 1, filteredCount: 0, videos: [], nowMs: Date.now(), actor: 'worker' });
      expect(settled.generation.status).toBe('succeeded');
      const ledger = await ledgerSnapshot(h.db, accountId);
      expect(ledger.account.spentMicros).toBe(settled.generation.costMicros);
      expect(ledger.violations).toEqual([]);

      expect(logs.lines.find((l) => l.message.includes('new generations paused'))).toMatchObject({ severity: 'ERROR', action: 'pause', threshold: 0.9 });
      expect(deps.alerts.map((a) => [a.severity, a.action])).toEqual([
        ['WARNING', 'degrade'],
        ['ERROR', 'pause'],
      ]);
    } finally {
      await h.stop();
    }
  });

  it('given the budget paused and degraded in December, when January starts below every threshold, then it resumes what it did', async () => {
    const db = testFirestore('budget-resume');
    const deps = budgetDeps(db);
    const accountId = await seedAccount(db);
    await deliver(deps, 0.95, { interval: DECEMBER });
    await expect(reserve(db, accountId)).rejects.toMatchObject({ code: 'GENERATION_PAUSED' });

    const outcome = await deliver(deps, 0.02, { interval: JANUARY });

    expect(outcome).toMatchObject({ kind: 'below-thresholds', resume: { action: 'resume', status: 'applied', changed: true } });
    const state = await killSwitchState(db);
    expect(state.controls).toMatchObject({ generationPaused: false, degradeToModel: null, by: 'budget:local-budget' });
    // degrade and pause come from one notification (same instant): compare them as a set.
    expect(state.audit.slice(0, 2).map((a) => a.action).sort()).toEqual(['degrade', 'pause']);
    expect(state.audit[2]).toMatchObject({ action: 'resume', source: 'budget', by: 'budget:local-budget' });
    await expect(reserve(db, accountId)).resolves.toMatchObject({ replayed: false });
    expect(deps.alerts.at(-1)).toMatchObject({ action: 'resume', severity: 'WARNING' });

    // January's notice repeats all day: the resume happened once.
    await deliver(deps, 0.03, { interval: JANUARY });
    expect((await killSwitchState(db)).audit).toHaveLength(3);
    await db.terminate();
  });

  it('posts each action to the operators webhook as JSON with a text line', async () => {
    const db = testFirestore('budget-webhook');
    const receiver = await startWebhookReceiver();
    try {
      const deps = budgetDeps(db, { notifier: webhookNotifier({ url: receiver.url, timeoutMs: 2_000 }, testLog) });
      await deliver(deps, 0.9);
      expect(receiver.bodies).toEqual([
        expect.objectContaining({ severity: 'WARNING', action: 'degrade', budgetId: 'local-budget', threshold: 0.5, text: expect.stringMatching(/^\[reelguard WARNING\] budget .* degraded to veo-3.1-fast-generate-001/) }),
        expect.objectContaining({ severity: 'ERROR', action: 'pause', threshold: 0.9, costAmount: 900, budgetAmount: 1000, currencyCode: 'USD', text: expect.stringMatching(/paused/) }),
      ]);
    } finally {
      await receiver.stop();
      await db.terminate();
    }
  });
});
