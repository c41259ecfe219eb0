import type { Firestore } from '@google-cloud/firestore';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { COLLECTIONS } from '../../../functions/src/adapters/firestore/collections';
import { controlsRef, toControls } from '../../../functions/src/adapters/firestore/refs';
import { handleBudgetAlert, type BudgetAlertDeps, type OperatorAlert } from '../../../functions/src/app/handleBudgetAlert';
import { DEFAULT_BUDGET_ACTIONS, parseBudgetActions } from '../../../functions/src/domain/budgetAlert';
import { Logger, setLogLevel, setLogSink } from '../../../functions/src/logger';
import { fixedClock } from '../../../functions/src/ports/clock';
import { buildBudgetNotification, LOCAL_BUDGET_ID } from '../../../scripts/budget-simulate';
import { TEST_NOW_MS } from '../../helpers/firestore';

/** The cost interval TEST_NOW_MS (2026-12-04) falls in, and the next one, as Cloud Billing writes them. */
export const DECEMBER = '2026-12-01T08:00:00Z';
export const JANUARY = '2027-01-01T08:00:00Z';

export const DEFAULT_RULES = (() => {
  const parsed = parseBudgetActions(DEFAULT_BUDGET_ACTIONS);
  if (!parsed.ok) throw new Error(parsed.issues.join('; '));
  return parsed.rules;
})();

export interface CapturedAlerts {
  alerts: OperatorAlert[];
}

/** The use case's dependencies on a test database: the allowlist has the local stack's budget id, auto-resume on. */
export function budgetDeps(db: Firestore, overrides: Partial<Omit<BudgetAlertDeps, 'clock'>> = {}): BudgetAlertDeps & CapturedAlerts & { clock: ReturnType<typeof fixedClock> } {
  const alerts: OperatorAlert[] = [];
  return {
    db,
    clock: fixedClock(TEST_NOW_MS),
    allowedBudgetIds: [LOCAL_BUDGET_ID],
    rules: DEFAULT_RULES,
    autoResume: true,
    notifier: {
      async notify(alert) {
        alerts.push(alert);
      },
    },
    alerts,
    ...overrides,
  };
}

export const testLog = new Logger({ component: 'budget-test' });

/** Delivers a realistic notification (the same builder budget:simulate publishes) to the use case. */
export function deliver(deps: BudgetAlertDeps, ratio: number, options: { interval?: string; budgetId?: string } = {}) {
  // Notifications arrive hours apart: keep audit times apart too, so "newest change" is well defined.
  (deps.clock as { advance?: (ms: number) => void }).advance?.(1_000);
  const n = buildBudgetNotification({ ratio, costIntervalStart: options.interval ?? DECEMBER, ...(options.budgetId ? { budgetId: options.budgetId } : {}) });
  return handleBudgetAlert(deps, { attributes: n.attributes, data: n.data, messageId: `m-${ratio}` }, testLog);
}

export interface LogLine {
  severity: string;
  message: string;
  [key: string]: unknown;
}

/** Captures every structured log line (what an operator would see) instead of printing it. */
export function captureLogs(): { lines: LogLine[]; restore(): void } {
  const lines: LogLine[] = [];
  setLogLevel('DEBUG');
  const previous = setLogSink((line) => lines.push(JSON.parse(line) as LogLine));
  return {
    lines,
    restore() {
      setLogSink(previous);
      setLogLevel('INFO');
    },
  };
}

/** Everything a budget action can change: the controls, their audit trail, the dedupe records. */
export async function killSwitchState(db: Firestore) {
  const [controls, audit, records] = await Promise.all([
    controlsRef(db).get(),
    db.collection(COLLECTIONS.controlsAudit).orderBy('atMs').get(),
    db.collection(COLLECTIONS.budgetAlerts).get(),
  ]);
  return {
    controlsExists: controls.exists,
    controls: toControls(controls.data()),
    audit: audit.docs.map((d) => ({ id: d.id, ...(d.data() as { action: string; by: string; source: string }) })),
    budgetRecords: records.docs.map((d) => d.id).sort(),
  };
}

/** A local webhook receiver; `delayMs` makes it answer too late for the notifier's timeout. */
export async function startWebhookReceiver(options: { status?: number; delayMs?: number } = {}) {
  const bodies: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      bodies.push(JSON.parse(raw) as Record<string, unknown>);
      setTimeout(() => res.writeHead(options.status ?? 200).end('ok'), options.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
