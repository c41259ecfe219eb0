import {
  DEFAULT_BUDGET_ACTIONS,
  auditIdForBudgetAction,
  budgetActionKey,
  budgetActionKeyOfAuditId,
  budgetLevel,
  controlsOwners,
  decideAutoResume,
  decideBudgetAlert,
  parseBudgetActions,
  parseBudgetNotification,
  type BudgetActionRule,
  type BudgetNotification,
  type ControlsChangeRecord,
} from '../../functions/src/domain/budgetAlert';
import { buildBudgetNotification } from '../../scripts/budget-simulate';

const INTERVAL = '2026-12-01T08:00:00Z';
const NEXT_INTERVAL = '2027-01-01T08:00:00Z';

function notification(ratio: number, overrides: Partial<BudgetNotification> = {}): BudgetNotification {
  const raw = buildBudgetNotification({ ratio, costIntervalStart: INTERVAL });
  const parsed = parseBudgetNotification(raw.attributes, raw.data);
  if (!parsed.ok) throw new Error(parsed.issues.join('; '));
  return { ...parsed.notification, ...overrides };
}

const RULES: BudgetActionRule[] = (() => {
  const parsed = parseBudgetActions(DEFAULT_BUDGET_ACTIONS);
  if (!parsed.ok) throw new Error('default actions must parse');
  return parsed.rules;
})();

describe('parseBudgetNotification', () => {
  it('accepts the real format and normalises the interval to epoch ms', () => {
    const raw = buildBudgetNotification({ ratio: 0.93, costIntervalStart: INTERVAL });
    const parsed = parseBudgetNotification(raw.attributes, raw.data);
    expect(parsed).toMatchObject({
      ok: true,
      notification: { budgetId: 'local-budget', costAmount: 930, budgetAmount: 1000, alertThresholdExceeded: 0.9, forecastThresholdExceeded: null, costIntervalStartMs: Date.parse(INTERVAL) },
    });
  });

  it('treats an absent alertThresholdExceeded (below the first threshold) as null, not as malformed', () => {
    const raw = buildBudgetNotification({ ratio: 0.2, costIntervalStart: INTERVAL });
    expect(raw.data).not.toHaveProperty('alertThresholdExceeded');
    expect(parseBudgetNotification(raw.attributes, raw.data)).toMatchObject({ ok: true, notification: { alertThresholdExceeded: null } });
  });

  it.each([
    ['body not JSON', undefined, /data: not a JSON object/],
    ['costAmount a string', { costAmount: '930' }, /data.costAmount/],
    ['missing costIntervalStart', { costIntervalStart: undefined }, /data.costIntervalStart/],
    ['interval not a date', { costIntervalStart: 'yesterday' }, /data.costIntervalStart/],
    ['negative threshold', { alertThresholdExceeded: -1 }, /data.alertThresholdExceeded/],
    ['array body', [1, 2], /data/],
  ])('reports typed issues when %s', (_label, patch, issue) => {
    const raw = buildBudgetNotification({ ratio: 0.5, costIntervalStart: INTERVAL });
    const data = patch === undefined ? undefined : Array.isArray(patch) ? patch : { ...raw.data, ...patch };
    const parsed = parseBudgetNotification(raw.attributes, data);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.join('\n')).toMatch(issue);
  });

  it('requires the attributes Cloud Billing always sets', () => {
    const raw = buildBudgetNotification({ ratio: 0.5, costIntervalStart: INTERVAL });
    const parsed = parseBudgetNotification({ billingAccountId: 'x' }, raw.data);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.join('\n')).toMatch(/attributes.budgetId/);
  });
});

describe('parseBudgetActions', () => {
  it('parses the default map sorted by threshold', () => {
    expect(RULES).toEqual([
      { threshold: 0.5, action: { action: 'degrade', model: 'veo-3.1-fast-generate-001' } },
      { threshold: 0.9, action: { action: 'pause' } },
    ]);
    expect(parseBudgetActions(' 0.9:pause , 0.75:degrade:veo-3.1-lite-generate-001 ')).toMatchObject({ ok: true, rules: [{ threshold: 0.75 }, { threshold: 0.9 }] });
  });

  it.each([
    ['', /at least one/],
    ['0.5:degrade', /degrade:<model>/],
    ['0.5:degrade:veo-9', /degrade:<model>/],
    ['abc:pause', /threshold/],
    ['0:pause', /threshold/],
    ['0.9:pause,0.9:pause', /once/],
    ['0.9:pause:extra', /too many/],
    ['0.9:stop', /pause/],
  ])('refuses %j with a typed issue', (text, issue) => {
    const parsed = parseBudgetActions(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.join('\n')).toMatch(issue);
  });
});

describe('budget level and decision', () => {
  it.each([
    [0.2, []],
    [0.49, []],
    [0.5, [0.5]],
    [0.7, [0.5]],
    [0.9, [0.5, 0.9]],
    [1.3, [0.5, 0.9]],
  ])('at %s of the budget crosses %j', (ratio, thresholds) => {
    const decision = decideBudgetAlert(notification(ratio), RULES);
    expect(decision.kind === 'escalate' ? decision.crossed.map((r) => r.threshold) : []).toEqual(thresholds);
    expect(decision.disagreement).toBeNull();
  });

  it('counts 900 of 1000 as exactly 0.9 despite float division', () => {
    expect(budgetLevel({ costAmount: 900, budgetAmount: 1000, alertThresholdExceeded: null }).level).toBeCloseTo(0.9);
    const decision = decideBudgetAlert(notification(0.9, { alertThresholdExceeded: null }), RULES);
    expect(decision.kind === 'escalate' && decision.crossed.map((r) => r.threshold)).toEqual([0.5, 0.9]);
  });

  it('takes the larger source: Google crossed 0.9 though cost (after credits) shows 0.6 → pause, with a disagreement note', () => {
    const decision = decideBudgetAlert(notification(0.6, { alertThresholdExceeded: 0.9 }), RULES);
    expect(decision.kind === 'escalate' && decision.crossed.map((r) => r.threshold)).toEqual([0.5, 0.9]);
    expect(decision.disagreement).toMatch(/acting on 0.9/);
  });

  it('takes the larger source: cost at 0.95 while Google only reports 0.5 → pause, with a disagreement note', () => {
    const decision = decideBudgetAlert(notification(0.95, { alertThresholdExceeded: 0.5 }), RULES);
    expect(decision.kind === 'escalate' && decision.crossed.map((r) => r.threshold)).toEqual([0.5, 0.9]);
    expect(decision.disagreement).toMatch(/acting on the cost/);
  });

  it('uses alertThresholdExceeded alone when the budget amount is 0 (LAST_MONTH_COST after a free month)', () => {
    const n = notification(0, { budgetAmount: 0, costAmount: 12, alertThresholdExceeded: 0.5, budgetAmountType: 'LAST_MONTH_COST' });
    expect(budgetLevel(n)).toEqual({ level: 0.5, fromAlert: 0.5, fromCost: null });
    expect(decideBudgetAlert(n, RULES).kind).toBe('escalate');
  });

  it('never lets a negative cost (refund credits) lower the level below zero', () => {
    expect(budgetLevel({ costAmount: -20, budgetAmount: 1000, alertThresholdExceeded: null }).level).toBe(0);
  });
});

describe('dedupe keys', () => {
  it('one key per budget, interval and threshold; the audit id maps back to it', () => {
    const a = budgetActionKey('b1', Date.parse(INTERVAL), 0.9);
    expect(budgetActionKey('b1', Date.parse('2026-12-01T00:00:00-08:00'), 0.9)).toBe(a);
    expect(budgetActionKey('b1', Date.parse(INTERVAL), 0.5)).not.toBe(a);
    expect(budgetActionKey('b1', Date.parse(NEXT_INTERVAL), 0.9)).not.toBe(a);
    expect(budgetActionKey('b2', Date.parse(INTERVAL), 0.9)).not.toBe(a);
    expect(budgetActionKey('b1', Date.parse(INTERVAL), 'resume')).not.toBe(a);
    expect(budgetActionKeyOfAuditId(auditIdForBudgetAction(a))).toBe(a);
    expect(budgetActionKeyOfAuditId('1796385600000-8a1b')).toBeNull();
  });
});

describe('who owns the controls, and what a new period may undo', () => {
  const ME = 'budget:local-budget';
  const DEC = Date.parse(INTERVAL);
  const JAN = Date.parse(NEXT_INTERVAL);
  const plain = { generationPaused: false, degradeToModel: null };
  const degraded = { generationPaused: false, degradeToModel: 'veo-3.1-fast-generate-001' as const };
  const pausedDegraded = { generationPaused: true, degradeToModel: 'veo-3.1-fast-generate-001' as const };
  const paused = { generationPaused: true, degradeToModel: null };
  const record = (auditId: string, by: string, before: ControlsChangeRecord['before'], after: ControlsChangeRecord['after']): ControlsChangeRecord => ({ auditId, by, atMs: 0, before, after });

  it('finds the newest change of each of pause and degrade', () => {
    const owners = controlsOwners([record('a3', 'admin:x', degraded, pausedDegraded), record('a2', ME, plain, degraded), record('a1', 'admin:y', paused, plain)]);
    expect(owners).toEqual({ pause: { by: 'admin:x', auditId: 'a3' }, degrade: { by: ME, auditId: 'a2' } });
  });

  it('resumes fully when this budget paused and degraded in an earlier interval', () => {
    const owners = controlsOwners([record('p', ME, degraded, pausedDegraded), record('d', ME, plain, degraded)]);
    expect(decideAutoResume({ controls: pausedDegraded, owners, actor: ME, costIntervalStartMs: JAN, ownerIntervalStartMs: { pause: DEC, degrade: DEC } }).kind).toBe('resume');
  });

  it('does not resume in the same interval the budget acted in (cost corrected down)', () => {
    const owners = controlsOwners([record('p', ME, plain, paused)]);
    expect(decideAutoResume({ controls: paused, owners, actor: ME, costIntervalStartMs: DEC, ownerIntervalStartMs: { pause: DEC, degrade: null } }).kind).toBe('none');
  });

  it('never lifts an admin pause, but lifts its own degrade under it', () => {
    const owners = controlsOwners([record('p', 'admin:ops@example.com', degraded, pausedDegraded), record('d', ME, plain, degraded)]);
    const decision = decideAutoResume({ controls: pausedDegraded, owners, actor: ME, costIntervalStartMs: JAN, ownerIntervalStartMs: { pause: null, degrade: DEC } });
    expect(decision.kind).toBe('undegrade');
    expect(decision.note).toMatch(/pause by admin:ops@example.com stays/);
  });

  it('leaves an admin pause alone entirely when the budget owns nothing', () => {
    const owners = controlsOwners([record('p', 'admin:ops@example.com', plain, paused)]);
    expect(decideAutoResume({ controls: paused, owners, actor: ME, costIntervalStartMs: JAN, ownerIntervalStartMs: { pause: null, degrade: null } }).kind).toBe('none');
  });

  it('asks an operator when its pause sits on an admin degrade (a full resume would undo the admin too)', () => {
    const owners = controlsOwners([record('p', ME, degraded, pausedDegraded), record('d', 'admin:x', plain, degraded)]);
    expect(decideAutoResume({ controls: pausedDegraded, owners, actor: ME, costIntervalStartMs: JAN, ownerIntervalStartMs: { pause: DEC, degrade: null } }).kind).toBe('needs-operator');
  });

  it('does not act for another budget', () => {
    const owners = controlsOwners([record('p', 'budget:other', plain, paused)]);
    expect(decideAutoResume({ controls: paused, owners, actor: ME, costIntervalStartMs: JAN, ownerIntervalStartMs: { pause: null, degrade: null } }).kind).toBe('none');
  });

  it('does nothing when nobody is known to own a pause (outside the audit window)', () => {
    expect(decideAutoResume({ controls: paused, owners: { pause: null, degrade: null }, actor: ME, costIntervalStartMs: JAN, ownerIntervalStartMs: { pause: null, degrade: null } }).kind).toBe('none');
  });
});
