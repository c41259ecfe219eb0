import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run budget:simulate -- 0.9 [--interval 2027-01-01T08:00:00Z] [--budget-id local-budget]
 *   [--amount 1000] [--currency USD] [--times 1]`
 *
 * Publishes a Cloud Billing budget notification, as Cloud Billing would, to the LOCAL stack's
 * Pub/Sub emulator (topic billing-budget-alerts) — to rehearse the kill switch: 0.5 degrades,
 * 0.9 pauses, a later --interval below 0.5 resumes (with BUDGET_AUTO_RESUME=true). It refuses to
 * publish anywhere but an emulator: a forged alert must never reach a real project.
 */
export const BUDGET_TOPIC = 'billing-budget-alerts';
export const LOCAL_BUDGET_ID = 'local-budget';
/** The threshold rules scripts/create-budget.ts gives real budgets: Google reports the highest one crossed. */
export const BUDGET_THRESHOLD_RULES = [0.5, 0.9] as const;

export interface SimulatedNotification {
  attributes: { billingAccountId: string; budgetId: string; schemaVersion: string };
  data: Record<string, unknown>;
}

/**
 * A notification as Cloud Billing sends it for a spend of `ratio` × budget: costAmount at that
 * ratio, alertThresholdExceeded = the highest threshold rule crossed, absent below the first.
 */
export function buildBudgetNotification(input: {
  ratio: number;
  budgetId?: string;
  billingAccountId?: string;
  budgetAmount?: number;
  currencyCode?: string;
  costIntervalStart: string;
  budgetDisplayName?: string;
  thresholdRules?: readonly number[];
}): SimulatedNotification {
  const budgetAmount = input.budgetAmount ?? 1000;
  const crossed = (input.thresholdRules ?? BUDGET_THRESHOLD_RULES).filter((t) => input.ratio >= t);
  return {
    attributes: { billingAccountId: input.billingAccountId ?? '01D4EE-079462-DFD6EC', budgetId: input.budgetId ?? LOCAL_BUDGET_ID, schemaVersion: '1.0' },
    data: {
      budgetDisplayName: input.budgetDisplayName ?? 'reelguard Veo spend',
      // Billing reports cents: keep two decimals as the real messages do.
      costAmount: Math.round(budgetAmount * input.ratio * 100) / 100,
      costIntervalStart: input.costIntervalStart,
      budgetAmount,
      budgetAmountType: 'SPECIFIED_AMOUNT',
      currencyCode: input.currencyCode ?? 'USD',
      ...(crossed.length > 0 ? { alertThresholdExceeded: Math.max(...crossed) } : {}),
    },
  };
}

/**
 * Start of the current billing month as Cloud Billing writes it: midnight US Pacific time in UTC
 * ("2026-12-01T08:00:00Z" in winter, "…T07:00:00Z" in summer).
 */
export function billingMonthStart(nowMs: number): string {
  const month = new Date(nowMs).toISOString().slice(0, 7);
  const utcMidnight = Date.parse(`${month}-01T00:00:00Z`);
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', timeZoneName: 'longOffset' })
    .formatToParts(new Date(utcMidnight + 12 * 3_600_000))
    .find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(offset ?? '');
  const offsetMs = match ? (match[1] === '-' ? 1 : -1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000 : 8 * 3_600_000;
  return new Date(utcMidnight + offsetMs).toISOString().replace('.000Z', 'Z');
}

export interface LocalPubsubTarget {
  projectId: string;
  pubsubHost: string;
  source: string;
  /** The budget id the stack allowlists (BUDGET_ALLOWED_IDS), when the stack says. */
  budgetId?: string;
}

/** The running stack's .reelguard/stack.json, else PUBSUB_EMULATOR_HOST + GOOGLE_CLOUD_PROJECT. Never a real project. */
export function findLocalPubsub(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): LocalPubsubTarget {
  const stackFile = path.join(cwd, '.reelguard', 'stack.json');
  if (fs.existsSync(stackFile)) {
    const stack = JSON.parse(fs.readFileSync(stackFile, 'utf8')) as { projectId?: unknown; pubsubHost?: unknown; budgetId?: unknown };
    if (typeof stack.projectId !== 'string' || typeof stack.pubsubHost !== 'string') throw new Error(`${stackFile} has no projectId/pubsubHost`);
    return { projectId: stack.projectId, pubsubHost: stack.pubsubHost, source: stackFile, ...(typeof stack.budgetId === 'string' ? { budgetId: stack.budgetId } : {}) };
  }
  const projectId = env.GOOGLE_CLOUD_PROJECT ?? env.GCLOUD_PROJECT;
  if (env.PUBSUB_EMULATOR_HOST && projectId) return { projectId, pubsubHost: env.PUBSUB_EMULATOR_HOST, source: 'PUBSUB_EMULATOR_HOST' };
  throw new Error('no local stack found: start it with `npm start` (writes .reelguard/stack.json), or set PUBSUB_EMULATOR_HOST and GOOGLE_CLOUD_PROJECT to an emulator');
}

export async function publishToLocalStack(target: LocalPubsubTarget, notification: SimulatedNotification, times = 1): Promise<string[]> {
  // The client reads the emulator host from the environment when it is constructed.
  process.env.PUBSUB_EMULATOR_HOST = target.pubsubHost;
  const { PubSub } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
  const pubsub = new PubSub({ projectId: target.projectId });
  try {
    const topic = pubsub.topic(BUDGET_TOPIC);
    const [exists] = await topic.exists();
    if (!exists) throw new Error(`topic ${BUDGET_TOPIC} does not exist in project ${target.projectId}: is the local stack running?`);
    const ids: string[] = [];
    for (let i = 0; i < times; i += 1) {
      ids.push(await topic.publishMessage({ json: notification.data, attributes: notification.attributes }));
    }
    return ids;
  } finally {
    await pubsub.close();
  }
}

export function parseSimulateArgs(argv: readonly string[]): { ratio: number; budgetId: string | null; interval: string | null; amount: number; currency: string; times: number } {
  const options = { ratio: Number.NaN, budgetId: null as string | null, interval: null as string | null, amount: 1000, currency: 'USD', times: 1 };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--budget-id') options.budgetId = value();
    else if (arg === '--interval') options.interval = value();
    else if (arg === '--amount') options.amount = Number(value());
    else if (arg === '--currency') options.currency = value();
    else if (arg === '--times') options.times = Number(value());
    else if (!arg.startsWith('--') && Number.isNaN(options.ratio)) options.ratio = Number(arg);
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!(options.ratio >= 0 && options.ratio <= 10)) throw new Error('usage: npm run budget:simulate -- <ratio of the budget spent, e.g. 0.9> [--interval ISO] [--budget-id id] [--amount n] [--times n]');
  if (options.interval !== null && Number.isNaN(Date.parse(options.interval))) throw new Error('--interval must be an ISO date-time such as 2027-01-01T08:00:00Z');
  if (!(options.amount > 0)) throw new Error('--amount must be positive');
  if (!(Number.isInteger(options.times) && options.times >= 1 && options.times <= 20)) throw new Error('--times must be 1..20');
  return options;
}

async function main(): Promise<void> {
  const args = parseSimulateArgs(process.argv.slice(2));
  const target = findLocalPubsub();
  const notification = buildBudgetNotification({
    ratio: args.ratio,
    budgetId: args.budgetId ?? target.budgetId ?? LOCAL_BUDGET_ID,
    budgetAmount: args.amount,
    currencyCode: args.currency,
    costIntervalStart: args.interval ?? billingMonthStart(Date.now()),
  });
  const ids = await publishToLocalStack(target, notification, args.times);
  console.log(`published ${ids.length} budget notification(s) to ${BUDGET_TOPIC} in ${target.projectId} (${target.source} → ${target.pubsubHost}): ${ids.join(', ')}`);
  console.log(JSON.stringify(notification, null, 2));
  console.log('watch the budgetAlerts log lines, then GET /v1/admin/controls (or try POST /v1/generations: 503 while paused)');
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
