import type { DocumentReference, Firestore } from '@google-cloud/firestore';
import { TRANSACTION_MAX_ATTEMPTS } from '../adapters/firestore/client';
import { COLLECTIONS } from '../adapters/firestore/collections';
import { controlsRef, getAllInTransaction, toControls } from '../adapters/firestore/refs';
import {
  budgetAlertRecordSchema,
  budgetStateDocSchema,
  controlsAuditDocSchema,
  converter,
  parseDocument,
  type BudgetAlertRecord,
  type BudgetStateDoc,
  type ControlsDoc,
} from '../adapters/firestore/schemas';
import {
  SUPPORTED_SCHEMA_VERSION,
  auditIdForBudgetAction,
  budgetActionKey,
  budgetActionKeyOfAuditId,
  budgetActor,
  budgetStateKey,
  controlsOwners,
  decideAutoResume,
  decideBudgetAlert,
  parseBudgetNotification,
  percent,
  type BudgetActionRule,
  type BudgetLevel,
  type BudgetNotification,
  type ControlsChangeRecord,
  type ResumeDecision,
} from '../domain/budgetAlert';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';
import type { Clock } from '../ports/clock';
import { changeControls, type ControlAction, type ControlChange } from './changeControls';

/**
 * budgetAlerts' use case: a Cloud Billing budget notification → degrade / pause / resume of
 * `controls/global`, at most once per budget + cost interval + threshold, however often the
 * notification repeats (several times a day) or is redelivered. Rules: domain/budgetAlert.ts.
 *
 * Once per key: a dedupe record budgetAlerts/alert_{key} is claimed in a transaction, the change
 * goes through changeControls (audited, audit id derived from the key), then the record is marked
 * applied. A crash in between leaves a pending claim that a later delivery takes over after
 * CLAIM_TTL_MS; if the audit record exists by then, the change was made and is not made again —
 * so an admin who resumed in the meantime is not overridden by a replay.
 */
export interface OperatorAlert {
  severity: 'WARNING' | 'ERROR';
  action: ControlAction['action'] | 'none';
  summary: string;
  budgetId: string;
  budgetDisplayName: string;
  costIntervalStart: string;
  level: number;
  threshold: number | null;
  costAmount: number;
  budgetAmount: number;
  currencyCode: string;
  changed: boolean;
  controls: ControlsDoc;
}

/** Where operators hear about actions besides the logs (the webhook). Must not throw; must be bounded in time. */
export interface OperatorNotifier {
  notify(alert: OperatorAlert): Promise<void>;
}

export interface BudgetAlertDeps {
  db: Firestore;
  clock: Clock;
  allowedBudgetIds: readonly string[];
  rules: readonly BudgetActionRule[];
  autoResume: boolean;
  notifier: OperatorNotifier | null;
}

export interface BudgetAlertMessage {
  attributes: unknown;
  /** The decoded JSON body, or undefined when it was missing or not JSON. */
  data: unknown;
  messageId?: string;
}

export interface StepOutcome {
  action: ControlAction['action'] | 'none';
  threshold: number | null;
  /** `duplicate`: an earlier delivery already applied this key; nothing was done now. */
  status: 'applied' | 'duplicate';
  changed: boolean;
  auditId: string | null;
}

export type BudgetAlertOutcome =
  | { kind: 'malformed'; issues: string[] }
  | { kind: 'ignored'; reason: 'budget id not allowed' }
  | { kind: 'stale'; latestIntervalStartMs: number }
  | { kind: 'escalated'; level: BudgetLevel; steps: StepOutcome[] }
  | { kind: 'below-thresholds'; level: BudgetLevel; resume: StepOutcome | null };

/** How long a claim protects a delivery that is applying an action; after it, another delivery may take over. */
export const CLAIM_TTL_MS = 60_000;
/** The audit trail read to find who set the current pause/degrade. Beyond it, nobody is known to own them. */
const AUDIT_WINDOW = 50;

const recordConverter = converter(budgetAlertRecordSchema);
const stateConverter = converter(budgetStateDocSchema);

function recordRef(db: Firestore, key: string): DocumentReference<BudgetAlertRecord> {
  return db.collection(COLLECTIONS.budgetAlerts).doc(`alert_${key}`).withConverter(recordConverter);
}

function stateRef(db: Firestore, budgetId: string): DocumentReference<BudgetStateDoc> {
  return db.collection(COLLECTIONS.budgetAlerts).doc(`budget_${budgetStateKey(budgetId)}`).withConverter(stateConverter);
}

export async function handleBudgetAlert(deps: BudgetAlertDeps, message: BudgetAlertMessage, log: Logger): Promise<BudgetAlertOutcome> {
  const parsed = parseBudgetNotification(message.attributes, message.data);
  if (!parsed.ok) {
    // Redelivering cannot fix a malformed message: log for a person and acknowledge.
    log.error('malformed budget notification; acknowledged without action', { issues: parsed.issues, messageId: message.messageId });
    return { kind: 'malformed', issues: parsed.issues };
  }
  const n = parsed.notification;
  const budgetLog = log.child({ budgetId: n.budgetId, costIntervalStart: n.costIntervalStart, messageId: message.messageId });
  if (!deps.allowedBudgetIds.includes(n.budgetId)) {
    budgetLog.warn('budget notification from a budget id not in BUDGET_ALLOWED_IDS; ignored', {
      billingAccountId: n.billingAccountId,
      budgetDisplayName: n.budgetDisplayName,
    });
    return { kind: 'ignored', reason: 'budget id not allowed' };
  }
  if (n.schemaVersion !== SUPPORTED_SCHEMA_VERSION) {
    budgetLog.warn('budget notification schemaVersion is not the one this code was written for; its fields validated, acting on them', { schemaVersion: n.schemaVersion });
  }
  const nowMs = deps.clock.nowMs();

  const latestIntervalStartMs = await observeInterval(deps.db, n, nowMs);
  if (n.costIntervalStartMs < latestIntervalStartMs) {
    // Cost data lags up to a day: a late notice about last month must not pause this month.
    budgetLog.warn('budget notification for a cost interval older than one already seen; no action', { latestIntervalStart: new Date(latestIntervalStartMs).toISOString() });
    return { kind: 'stale', latestIntervalStartMs };
  }

  const decision = decideBudgetAlert(n, deps.rules);
  if (decision.disagreement) budgetLog.warn('budget notification sources disagree', { note: decision.disagreement, ...levelFields(decision.level) });

  if (decision.kind === 'escalate') {
    const steps: StepOutcome[] = [];
    // Lowest threshold first, each deduplicated on its own key: a lost 0.5 notice still degrades before the 0.9 pause.
    for (const rule of decision.crossed) {
      steps.push(
        await applyOnce(deps, n, decision.level, { threshold: rule.threshold }, nowMs, budgetLog, async () => {
          const change: ControlAction = rule.action.action === 'pause' ? { action: 'pause' } : { action: 'degrade', model: rule.action.model };
          // Customers see this reason in the 503 body while paused: no amounts or budget names in it.
          // The figures are in the logs, the webhook and the dedupe record (same key as the audit id).
          const reason = `platform budget alert: ${percent(rule.threshold)} of the monthly budget reached`;
          return { change, reason };
        }),
      );
    }
    return { kind: 'escalated', level: decision.level, steps };
  }

  budgetLog.info('budget below every action threshold', levelFields(decision.level));
  if (!deps.autoResume) return { kind: 'below-thresholds', level: decision.level, resume: null };
  const resume = await applyOnce(deps, n, decision.level, { threshold: null }, nowMs, budgetLog, async () => {
    const verdict = await decideResumeFromAudit(deps.db, n);
    const reason = `platform budget alert: new budget period below every threshold; ${verdict.note}`;
    if (verdict.kind === 'resume') return { change: { action: 'resume' }, reason };
    if (verdict.kind === 'undegrade') return { change: { action: 'undegrade' }, reason };
    return { change: null, reason, verdict };
  });
  return { kind: 'below-thresholds', level: decision.level, resume };
}

function levelFields(level: BudgetLevel) {
  return { level: level.level, alertThresholdExceeded: level.fromAlert, costRatio: level.fromCost };
}

/** Records the newest cost interval seen for the budget and returns it (this notification's, or a newer one). */
async function observeInterval(db: Firestore, n: BudgetNotification, nowMs: number): Promise<number> {
  const ref = stateRef(db, n.budgetId);
  return db.runTransaction(
    async (tx) => {
      const state = (await tx.get(ref)).data();
      if (state && state.latestIntervalStartMs >= n.costIntervalStartMs) return state.latestIntervalStartMs;
      tx.set(ref, { kind: 'budget-state', budgetId: n.budgetId, latestIntervalStartMs: n.costIntervalStartMs, updatedAtMs: nowMs });
      return n.costIntervalStartMs;
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}

type Plan = { change: ControlAction; reason: string } | { change: null; reason: string; verdict: ResumeDecision };

async function applyOnce(
  deps: BudgetAlertDeps,
  n: BudgetNotification,
  level: BudgetLevel,
  step: { threshold: number | null },
  nowMs: number,
  log: Logger,
  plan: () => Promise<Plan>,
): Promise<StepOutcome> {
  const key = budgetActionKey(n.budgetId, n.costIntervalStartMs, step.threshold ?? 'resume');
  const auditId = auditIdForBudgetAction(key);
  const stepLog = log.child({ budgetActionKey: key, threshold: step.threshold });
  const claim = await claimAction(deps.db, { key, auditId, n, level, threshold: step.threshold, nowMs });
  if (claim === 'done') {
    stepLog.info('budget action already applied for this interval and threshold; nothing to do');
    return { action: 'none', threshold: step.threshold, status: 'duplicate', changed: false, auditId: null };
  }
  if (claim === 'in-progress') {
    // Another delivery holds the claim right now; Pub/Sub redelivers this one later, when it is done or abandoned.
    throw new DomainError('CONFLICT', 'Another delivery of this budget notification is applying its action.', { details: { budgetActionKey: key }, retryable: true });
  }

  const planned = await plan();
  let result: ControlChange | null = null;
  if (planned.change) {
    result = await changeControls(
      deps.db,
      { change: planned.change, reason: planned.reason, by: budgetActor(n.budgetId), nowMs, source: 'budget', auditId },
      stepLog,
    );
  }
  const note = planned.change ? (result!.changed ? 'applied' : 'controls already in that state') : planned.verdict.note;
  await recordRef(deps.db, key).update({
    status: 'applied',
    outcome: { changed: result?.changed ?? false, auditId: result?.auditId ?? null, note },
    updatedAtMs: nowMs,
  });

  const action = planned.change?.action ?? 'none';
  if (planned.change === null && planned.verdict.kind === 'none') {
    // The usual start of a month: nothing to undo, nothing for an operator to do.
    stepLog.info('new budget period below every threshold; nothing to resume', { note });
    return { action, threshold: step.threshold, status: 'applied', changed: false, auditId: null };
  }
  const controls = result?.after ?? toControls((await controlsRef(deps.db).get()).data());
  const alert = operatorAlert(n, level, step.threshold, action, result?.changed ?? false, controls, planned);
  const fields = { action, changed: alert.changed, ...levelFields(level), costAmount: n.costAmount, budgetAmount: n.budgetAmount, currencyCode: n.currencyCode, controls };
  if (alert.severity === 'ERROR') stepLog.error(alert.summary, fields);
  else stepLog.warn(alert.summary, fields);
  const undoing = planned.change?.action === 'resume' || planned.change?.action === 'undegrade';
  if (undoing && result?.changed && result.before.by !== budgetActor(n.budgetId)) {
    // Decided from the audit trail, applied a moment later: someone else changed the controls in between.
    stepLog.error('budget auto-resume raced with another controls change; check the controls', { before: result.before });
  }
  if (deps.notifier) await deps.notifier.notify(alert);
  return { action, threshold: step.threshold, status: 'applied', changed: result?.changed ?? false, auditId: result?.auditId ?? null };
}

function operatorAlert(
  n: BudgetNotification,
  level: BudgetLevel,
  threshold: number | null,
  action: OperatorAlert['action'],
  changed: boolean,
  controls: ControlsDoc,
  planned: Plan,
): OperatorAlert {
  const where = `budget "${n.budgetDisplayName}" at ${percent(level.level)} of ${n.budgetAmount} ${n.currencyCode}`;
  let summary: string;
  let severity: OperatorAlert['severity'] = 'WARNING';
  switch (action) {
    case 'pause':
      severity = 'ERROR';
      summary = `${where}: new generations paused${changed ? '' : ' (already paused)'}`;
      break;
    case 'degrade':
      summary = `${where}: generation degraded to ${controls.degradeToModel}${changed ? '' : ' (already so)'}`;
      break;
    case 'resume':
      summary = `${where}, new period: generation resumed`;
      break;
    case 'undegrade':
      summary = `${where}, new period: degrade lifted`;
      break;
    default:
      summary = `${where}, new period: ${planned.change === null ? planned.verdict.note : 'no change'}`;
  }
  return {
    severity,
    action,
    summary,
    budgetId: n.budgetId,
    budgetDisplayName: n.budgetDisplayName,
    costIntervalStart: n.costIntervalStart,
    level: level.level,
    threshold,
    costAmount: n.costAmount,
    budgetAmount: n.budgetAmount,
    currencyCode: n.currencyCode,
    changed,
    controls,
  };
}

type Claim = 'claimed' | 'done' | 'in-progress';

async function claimAction(
  db: Firestore,
  input: { key: string; auditId: string; n: BudgetNotification; level: BudgetLevel; threshold: number | null; nowMs: number },
): Promise<Claim> {
  const ref = recordRef(db, input.key);
  const auditRef = db.collection(COLLECTIONS.controlsAudit).doc(input.auditId);
  return db.runTransaction(
    async (tx): Promise<Claim> => {
      const [recordSnap, auditSnap] = await getAllInTransaction(tx, ref, auditRef);
      const record = recordSnap.data();
      if (record?.status === 'applied') return 'done';
      if (record && record.claimedUntilMs > input.nowMs) return 'in-progress';
      const base: BudgetAlertRecord = {
        kind: 'budget-action',
        budgetId: input.n.budgetId,
        costIntervalStartMs: input.n.costIntervalStartMs,
        threshold: input.threshold,
        action: input.threshold === null ? 'resume' : 'threshold',
        status: 'pending',
        claimedUntilMs: input.nowMs + CLAIM_TTL_MS,
        attempts: (record?.attempts ?? 0) + 1,
        outcome: null,
        level: input.level.level,
        costAmount: input.n.costAmount,
        budgetAmount: input.n.budgetAmount,
        currencyCode: input.n.currencyCode,
        createdAtMs: record?.createdAtMs ?? input.nowMs,
        updatedAtMs: input.nowMs,
      };
      if (auditSnap.exists) {
        // An abandoned claim whose change did commit: the audit record is the proof. Do not change again.
        tx.set(ref, { ...base, status: 'applied', outcome: { changed: true, auditId: input.auditId, note: 'applied by an earlier delivery' } });
        return 'done';
      }
      tx.set(ref, base);
      return 'claimed';
    },
    { maxAttempts: TRANSACTION_MAX_ATTEMPTS },
  );
}

/** Who owns the current pause and degrade (audit trail), and in which interval this budget set them. */
async function decideResumeFromAudit(db: Firestore, n: BudgetNotification): Promise<ResumeDecision> {
  const [controlsSnap, auditSnap] = await Promise.all([
    controlsRef(db).get(),
    db.collection(COLLECTIONS.controlsAudit).orderBy('atMs', 'desc').limit(AUDIT_WINDOW).get(),
  ]);
  const controls = toControls(controlsSnap.data());
  const records: ControlsChangeRecord[] = auditSnap.docs.map((doc) => {
    const audit = parseDocument(controlsAuditDocSchema, doc.ref.path, doc.data());
    return { auditId: doc.id, by: audit.by, atMs: audit.atMs, before: audit.before, after: audit.after };
  });
  const owners = controlsOwners(records);
  const intervalOf = async (owner: { by: string; auditId: string } | null): Promise<number | null> => {
    if (owner?.by !== budgetActor(n.budgetId)) return null;
    const key = budgetActionKeyOfAuditId(owner.auditId);
    if (!key) return null;
    return (await recordRef(db, key).get()).data()?.costIntervalStartMs ?? null;
  };
  const [pauseInterval, degradeInterval] = await Promise.all([intervalOf(owners.pause), intervalOf(owners.degrade)]);
  return decideAutoResume({
    controls,
    owners,
    actor: budgetActor(n.budgetId),
    costIntervalStartMs: n.costIntervalStartMs,
    ownerIntervalStartMs: { pause: pauseInterval, degrade: degradeInterval },
  });
}
