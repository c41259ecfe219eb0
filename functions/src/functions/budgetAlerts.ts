import type { CloudEvent } from '@google-cloud/functions-framework';
import { firestoreFor } from '../adapters/firestore/client';
import { handleBudgetAlert, type BudgetAlertDeps, type OperatorAlert, type OperatorNotifier } from '../app/handleBudgetAlert';
import { budgetConfig, commonConfig } from '../config';
import { isDomainError } from '../domain/errors';
import { logger, type Logger } from '../logger';
import { systemClock } from '../ports/clock';
import { decodePubsubJson, pubsubEventDataSchema } from './pubsubEvent';

let deps: BudgetAlertDeps | undefined;

/** For tests and the local stack: run the function with other dependencies. */
export function setBudgetAlertDepsForTests(next: BudgetAlertDeps | undefined): void {
  deps = next;
}

/**
 * Pub/Sub-triggered on `billing-budget-alerts`. Acknowledges (returns) everything that
 * redelivery cannot fix — malformed data, a budget id outside the allowlist, a stale interval —
 * and throws only when trying again can help (Firestore unavailable, another delivery mid-way),
 * so Pub/Sub redelivers with its backoff. It never detaches billing; it only stops new paid work.
 */
export async function budgetAlerts(event: CloudEvent<unknown>): Promise<void> {
  const log = logger.child({ component: 'budgetAlerts', eventId: event.id });
  const envelope = pubsubEventDataSchema.safeParse(event.data);
  if (!envelope.success) {
    log.error('malformed budget notification envelope; acknowledged without action', { issues: envelope.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return;
  }
  const { message } = envelope.data;
  try {
    deps ??= buildBudgetAlertDeps(log);
    const outcome = await handleBudgetAlert(deps, { attributes: message.attributes, data: decodePubsubJson(message.data), messageId: message.messageId }, log);
    log.info('budget notification handled', { outcome: outcome.kind, messageId: message.messageId });
  } catch (error) {
    if (isDomainError(error) && !error.retryable) {
      log.error('budget notification refused; acknowledged', { error, messageId: message.messageId });
      return;
    }
    log.warn('budget notification will be redelivered', { error, messageId: message.messageId });
    throw error;
  }
}

/** Dependencies from the environment. A bad BUDGET_ACTIONS throws here, so nothing is acknowledged until it is fixed. */
export function buildBudgetAlertDeps(log: Logger = logger): BudgetAlertDeps {
  const common = commonConfig();
  const config = budgetConfig();
  if (config.allowedBudgetIds.length === 0) log.warn('BUDGET_ALLOWED_IDS is empty: every budget notification will be ignored');
  return {
    db: firestoreFor(common.projectId),
    clock: systemClock,
    allowedBudgetIds: config.allowedBudgetIds,
    rules: config.rules,
    autoResume: config.autoResume,
    notifier: config.webhook ? webhookNotifier(config.webhook, log) : null,
  };
}

/**
 * POSTs the alert as JSON (with a `text` line chat webhooks display). Bounded by `timeoutMs`;
 * a failure is logged and swallowed: the controls change already happened and must not be
 * redone or held up because a chat service is down.
 */
export function webhookNotifier(webhook: { url: string; timeoutMs: number }, log: Logger): OperatorNotifier {
  return {
    async notify(alert: OperatorAlert) {
      try {
        const response = await fetch(webhook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `[reelguard ${alert.severity}] ${alert.summary}`, ...alert }),
          signal: AbortSignal.timeout(webhook.timeoutMs),
        });
        if (!response.ok) log.error('budget alert webhook answered with an error', { status: response.status, action: alert.action, budgetId: alert.budgetId });
        await response.body?.cancel();
      } catch (error) {
        log.error('budget alert webhook failed', { error, timeoutMs: webhook.timeoutMs, action: alert.action, budgetId: alert.budgetId });
      }
    },
  };
}
