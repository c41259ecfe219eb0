import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { GlobalControls } from './account';
import { MODEL_IDS, type ModelId } from './models';

/**
 * Cloud Billing budget notifications (FACTS.md "Cloud Billing budget notifications") and what the
 * kill switch decides from them. Pure: parsing, the level reached, the actions it crosses, dedupe
 * keys, who owns the current controls, whether a new period may resume. No I/O, no clock.
 */

// ---------------------------------------------------------------------------------------------
// The notification

/** Message attributes Cloud Billing sets on every notification. */
export const budgetAttributesSchema = z.object({
  billingAccountId: z.string().min(1).max(100),
  budgetId: z.string().min(1).max(200),
  schemaVersion: z.string().min(1).max(20),
});

/** The JSON body, schemaVersion 1.0. Extra fields are ignored; missing or mistyped ones make the message malformed. */
export const budgetDataSchema = z.object({
  budgetDisplayName: z.string().max(1_000),
  costAmount: z.number().finite(),
  costIntervalStart: z.iso.datetime({ offset: true }),
  budgetAmount: z.number().finite(),
  budgetAmountType: z.string().min(1).max(100),
  currencyCode: z.string().min(1).max(10),
  /** Absent until the first threshold rule of the budget is crossed in this interval. */
  alertThresholdExceeded: z.number().finite().nonnegative().optional(),
  forecastThresholdExceeded: z.number().finite().nonnegative().optional(),
});

export const SUPPORTED_SCHEMA_VERSION = '1.0';

export interface BudgetNotification {
  billingAccountId: string;
  budgetId: string;
  schemaVersion: string;
  budgetDisplayName: string;
  costAmount: number;
  costIntervalStart: string;
  /** costIntervalStart as epoch ms: "2026-12-01T08:00:00Z" and "2026-12-01T00:00:00-08:00" are one interval. */
  costIntervalStartMs: number;
  budgetAmount: number;
  budgetAmountType: string;
  currencyCode: string;
  alertThresholdExceeded: number | null;
  forecastThresholdExceeded: number | null;
}

export type ParsedNotification = { ok: true; notification: BudgetNotification } | { ok: false; issues: string[] };

/** Validates attributes and the decoded JSON body. `data` is undefined when the body was not JSON. */
export function parseBudgetNotification(attributes: unknown, data: unknown): ParsedNotification {
  const issues: string[] = [];
  const attrs = budgetAttributesSchema.safeParse(attributes ?? {});
  if (!attrs.success) issues.push(...attrs.error.issues.map((i) => `attributes.${i.path.join('.')}: ${i.message}`));
  const body = data === undefined ? null : budgetDataSchema.safeParse(data);
  if (body === null) issues.push('data: not a JSON object');
  else if (!body.success) issues.push(...body.error.issues.map((i) => `data.${i.path.join('.') || '(root)'}: ${i.message}`));
  if (!attrs.success || !body?.success) return { ok: false, issues };
  const d = body.data;
  return {
    ok: true,
    notification: {
      ...attrs.data,
      budgetDisplayName: d.budgetDisplayName,
      costAmount: d.costAmount,
      costIntervalStart: d.costIntervalStart,
      costIntervalStartMs: Date.parse(d.costIntervalStart),
      budgetAmount: d.budgetAmount,
      budgetAmountType: d.budgetAmountType,
      currencyCode: d.currencyCode,
      alertThresholdExceeded: d.alertThresholdExceeded ?? null,
      forecastThresholdExceeded: d.forecastThresholdExceeded ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Threshold → action map (BUDGET_ACTIONS)

export type BudgetAction = { action: 'pause' } | { action: 'degrade'; model: ModelId };

export interface BudgetActionRule {
  /** Fraction of the budget, e.g. 0.9. */
  threshold: number;
  action: BudgetAction;
}

export const DEFAULT_BUDGET_ACTIONS = '0.5:degrade:veo-3.1-fast-generate-001,0.9:pause';

/** `0.5:degrade:<model>,0.9:pause` → rules sorted by threshold. Typed issues, not exceptions. */
export function parseBudgetActions(text: string): { ok: true; rules: BudgetActionRule[] } | { ok: false; issues: string[] } {
  const issues: string[] = [];
  const rules: BudgetActionRule[] = [];
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) issues.push('at least one threshold:action is required');
  for (const item of items) {
    const [thresholdText = '', action = '', model, ...rest] = item.split(':').map((s) => s.trim());
    const threshold = Number(thresholdText);
    if (!/^\d+(\.\d+)?$/.test(thresholdText) || !(threshold > 0) || threshold > 10) {
      issues.push(`"${item}": threshold must be a fraction of the budget above 0 (e.g. 0.9)`);
      continue;
    }
    if (rest.length > 0 || (action === 'pause' && model !== undefined)) issues.push(`"${item}": too many parts`);
    else if (action === 'pause' && model === undefined) rules.push({ threshold, action: { action: 'pause' } });
    else if (action === 'degrade' && model !== undefined && (MODEL_IDS as readonly string[]).includes(model)) {
      rules.push({ threshold, action: { action: 'degrade', model: model as ModelId } });
    } else issues.push(`"${item}": action must be "pause" or "degrade:<model>" with a model of ${MODEL_IDS.join(', ')}`);
  }
  const thresholds = rules.map((r) => r.threshold);
  if (new Set(thresholds).size !== thresholds.length) issues.push('each threshold may appear once');
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, rules: rules.sort((a, b) => a.threshold - b.threshold) };
}

// ---------------------------------------------------------------------------------------------
// The level reached and what it crosses

/** Float noise: 0.9 × 1000 / 1000 must count as 0.9. */
const LEVEL_EPSILON = 1e-9;

export interface BudgetLevel {
  /** What the decision uses: the larger of the two sources below. */
  level: number;
  /** The threshold rule Google says was crossed (alertThresholdExceeded), or null below the first. */
  fromAlert: number | null;
  /** costAmount / budgetAmount, or null when budgetAmount is not positive (e.g. a LAST_MONTH_COST budget after a free month). */
  fromCost: number | null;
}

/**
 * Source of truth: the larger of alertThresholdExceeded and costAmount/budgetAmount.
 * - alertThresholdExceeded is what Google evaluated against the budget's own threshold rules; it
 *   is authoritative that a rule was crossed, and the only source when budgetAmount is 0.
 * - The cost ratio catches levels for which the budget has no threshold rule (BUDGET_ACTIONS may
 *   name 0.75 while the budget only has 0.5/0.9 rules).
 * Taking the larger means either source can escalate and neither can hold back a pause: stopping
 * paid work a little early is cheap, continuing it is not. Both come in the same message, so
 * neither is more trustworthy; the budget-id allowlist is what guards against forged messages.
 */
export function budgetLevel(n: Pick<BudgetNotification, 'costAmount' | 'budgetAmount' | 'alertThresholdExceeded'>): BudgetLevel {
  const fromAlert = n.alertThresholdExceeded;
  const fromCost = n.budgetAmount > 0 ? Math.max(0, n.costAmount) / n.budgetAmount : null;
  return { level: Math.max(fromAlert ?? 0, fromCost ?? 0), fromAlert, fromCost };
}

export type BudgetDecision =
  | { kind: 'escalate'; level: BudgetLevel; crossed: BudgetActionRule[]; disagreement: string | null }
  | { kind: 'below-thresholds'; level: BudgetLevel; disagreement: null };

const rulesAtOrUnder = (rules: readonly BudgetActionRule[], level: number | null) => (level === null ? [] : rules.filter((r) => level + LEVEL_EPSILON >= r.threshold));

/**
 * Every rule at or under the level, lowest first: a 0.9 notice whose 0.5 notice was lost still
 * degrades and pauses, and each action is deduplicated on its own threshold. When the two sources
 * would cross different rules, `disagreement` says so for the operator log (the larger still wins).
 */
export function decideBudgetAlert(n: BudgetNotification, rules: readonly BudgetActionRule[]): BudgetDecision {
  const level = budgetLevel(n);
  const crossed = rulesAtOrUnder(rules, level.level);
  if (crossed.length === 0) return { kind: 'below-thresholds', level, disagreement: null };
  const byAlert = rulesAtOrUnder(rules, level.fromAlert).length;
  const byCost = rulesAtOrUnder(rules, level.fromCost).length;
  let disagreement: string | null = null;
  if (level.fromCost !== null && byAlert > byCost) {
    disagreement = `Google reports threshold ${level.fromAlert} crossed but cost is only ${level.fromCost.toFixed(3)} of the budget (credits, or a changed budget amount?); acting on ${level.fromAlert}`;
  } else if (byCost > byAlert) {
    disagreement = `cost is at ${level.fromCost!.toFixed(3)} of the budget but Google reports ${level.fromAlert ?? 'no threshold'} crossed (budget threshold rules differ from BUDGET_ACTIONS?); acting on the cost`;
  }
  return { kind: 'escalate', level, crossed, disagreement };
}

// ---------------------------------------------------------------------------------------------
// Dedupe keys and who did what

function digest(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return hash.digest('hex').slice(0, 32);
}

/**
 * budgetId + cost interval + threshold crossed (or "resume"): the notification repeats all day,
 * so this key — not the message id — is what makes one crossing one action. The same key gives
 * the dedupe record's id and the audit record's id, so a redelivery cannot add a second audit.
 */
export function budgetActionKey(budgetId: string, costIntervalStartMs: number, step: number | 'resume'): string {
  return digest(['budget-action', budgetId, String(costIntervalStartMs), String(step)]);
}

export function budgetActor(budgetId: string): string {
  return `budget:${budgetId}`;
}

export function auditIdForBudgetAction(key: string): string {
  return `budget-${key}`;
}

/** The dedupe key back from an audit id this module made, or null for audit records of others. */
export function budgetActionKeyOfAuditId(auditId: string): string | null {
  return /^budget-([0-9a-f]{32})$/.exec(auditId)?.[1] ?? null;
}

export function budgetStateKey(budgetId: string): string {
  return digest(['budget-state', budgetId]);
}

export interface ControlsChangeRecord {
  auditId: string;
  by: string;
  atMs: number;
  before: Pick<GlobalControls, 'generationPaused' | 'degradeToModel'>;
  after: Pick<GlobalControls, 'generationPaused' | 'degradeToModel'>;
}

export interface ControlsOwner {
  by: string;
  auditId: string;
}

/**
 * Who set the current pause and the current degrade, from the audit trail (newest first): for each
 * of the two, the newest record that changed it. Null when no record in the window changed it
 * (then nobody is known to own it, and the budget will not undo it).
 */
export function controlsOwners(recordsNewestFirst: readonly ControlsChangeRecord[]): { pause: ControlsOwner | null; degrade: ControlsOwner | null } {
  let pause: ControlsOwner | null = null;
  let degrade: ControlsOwner | null = null;
  for (const r of recordsNewestFirst) {
    if (!pause && r.before.generationPaused !== r.after.generationPaused) pause = { by: r.by, auditId: r.auditId };
    if (!degrade && r.before.degradeToModel !== r.after.degradeToModel) degrade = { by: r.by, auditId: r.auditId };
    if (pause && degrade) break;
  }
  return { pause, degrade };
}

export type ResumeDecision =
  | { kind: 'resume'; note: string }
  | { kind: 'undegrade'; note: string }
  | { kind: 'none'; note: string }
  /** The budget paused, but someone else's degrade sits under the pause: a full resume would undo theirs too. */
  | { kind: 'needs-operator'; note: string };

/**
 * What a new cost interval below every threshold may undo: only what this budget did, and only
 * when it did it in an earlier interval. Anything an admin (or another budget) set stays — an
 * admin's manual pause is never lifted by a budget. `ownerIntervalStartMs` is the cost interval
 * of the budget action that owns each of pause/degrade (null when not this budget's).
 */
export function decideAutoResume(input: {
  controls: Pick<GlobalControls, 'generationPaused' | 'degradeToModel'>;
  owners: { pause: ControlsOwner | null; degrade: ControlsOwner | null };
  actor: string;
  costIntervalStartMs: number;
  ownerIntervalStartMs: { pause: number | null; degrade: number | null };
}): ResumeDecision {
  const { controls, owners, actor } = input;
  const mine = (owner: ControlsOwner | null, intervalMs: number | null) => owner?.by === actor && intervalMs !== null && intervalMs < input.costIntervalStartMs;
  const pauseMine = controls.generationPaused && mine(owners.pause, input.ownerIntervalStartMs.pause);
  const degradeMine = controls.degradeToModel !== null && mine(owners.degrade, input.ownerIntervalStartMs.degrade);
  if (pauseMine && (degradeMine || controls.degradeToModel === null)) return { kind: 'resume', note: 'new budget period below every threshold: lifting the budget pause' };
  if (pauseMine) {
    return { kind: 'needs-operator', note: `paused by this budget, but the degrade to ${controls.degradeToModel} was set by ${owners.degrade?.by ?? 'someone unknown'}: resume by hand` };
  }
  if (degradeMine) {
    return { kind: 'undegrade', note: controls.generationPaused ? `new budget period: lifting the budget degrade; the pause by ${owners.pause?.by ?? 'someone unknown'} stays` : 'new budget period below every threshold: lifting the budget degrade' };
  }
  if (!controls.generationPaused && controls.degradeToModel === null) return { kind: 'none', note: 'nothing is paused or degraded' };
  return { kind: 'none', note: `controls were set by ${owners.pause?.by ?? owners.degrade?.by ?? 'someone unknown'}, not by this budget in an earlier period: left as they are` };
}

/** A percentage for people: 0.9 → "90%". */
export function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}
