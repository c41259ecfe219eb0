/**
 * `npm run budget:create -- --billing-account 0X0X0X-0X0X0X-0X0X0X --project my-project
 *   --amount 500 [--currency USD] [--filter-project-number 123456789012] [--display-name NAME]
 *   [--topic billing-budget-alerts] [--quota-project my-project] [--dry-run]`
 *
 * Creates the Cloud Billing budget whose notifications drive budgetAlerts: thresholds at 50% and
 * 90% of current spend, notifications to projects/{project}/topics/{topic}, schema 1.0. Uses the
 * Budget API over REST with Application Default Credentials (google-auth-library): the
 * @google-cloud/billing-budgets client was dropped because its google-gax copy broke
 * @google-cloud/pubsub. `--dry-run` prints the request and sends nothing.
 * docs/budget-kill-switch.md lists the APIs, roles and the follow-up (BUDGET_ALLOWED_IDS).
 */
export const BUDGET_API = 'https://billingbudgets.googleapis.com/v1';
export const DEFAULT_TOPIC = 'billing-budget-alerts';
export const THRESHOLDS = [0.5, 0.9] as const;

export interface CreateBudgetOptions {
  billingAccountId: string;
  projectId: string;
  amount: string;
  currencyCode: string;
  topic: string;
  displayName: string;
  /** Limits the budget to one project's costs (its number); absent: the whole billing account. */
  filterProjectNumber: string | null;
  /** Billed for the API call when using user credentials (x-goog-user-project). */
  quotaProject: string;
  dryRun: boolean;
}

export interface BudgetApiRequest {
  method: 'POST';
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Decimal amount → google.type.Money {units, nanos}, exactly (no float). */
export function toMoney(amount: string, currencyCode: string): { currencyCode: string; units: string; nanos: number } {
  const match = /^(\d{1,15})(?:\.(\d{1,9}))?$/.exec(amount.trim());
  if (!match) throw new Error(`--amount must be a positive decimal such as 500 or 1250.50, got ${amount}`);
  const nanos = Number((match[2] ?? '').padEnd(9, '0'));
  if (BigInt(match[1]!) === 0n && nanos === 0) throw new Error('--amount must be above zero');
  return { currencyCode, units: String(BigInt(match[1]!)), nanos };
}

export function buildCreateBudgetRequest(o: CreateBudgetOptions): BudgetApiRequest {
  if (!/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/.test(o.billingAccountId)) throw new Error(`--billing-account must look like 0X0X0X-0X0X0X-0X0X0X, got ${o.billingAccountId}`);
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(o.projectId)) throw new Error(`--project must be a project id, got ${o.projectId}`);
  if (!/^[A-Za-z0-9._-]{3,255}$/.test(o.topic)) throw new Error(`--topic must be a topic id, got ${o.topic}`);
  if (o.filterProjectNumber !== null && !/^\d{6,20}$/.test(o.filterProjectNumber)) throw new Error('--filter-project-number must be the numeric project number');
  return {
    method: 'POST',
    url: `${BUDGET_API}/billingAccounts/${o.billingAccountId}/budgets`,
    headers: { 'content-type': 'application/json', 'x-goog-user-project': o.quotaProject },
    body: {
      displayName: o.displayName.slice(0, 60),
      budgetFilter: {
        ...(o.filterProjectNumber ? { projects: [`projects/${o.filterProjectNumber}`] } : {}),
        calendarPeriod: 'MONTH',
        creditTypesTreatment: 'INCLUDE_ALL_CREDITS',
      },
      amount: { specifiedAmount: toMoney(o.amount, o.currencyCode) },
      thresholdRules: THRESHOLDS.map((thresholdPercent) => ({ thresholdPercent, spendBasis: 'CURRENT_SPEND' })),
      notificationsRule: { pubsubTopic: `projects/${o.projectId}/topics/${o.topic}`, schemaVersion: '1.0' },
    },
  };
}

export function parseCreateBudgetArgs(argv: readonly string[]): CreateBudgetOptions {
  const values: Record<string, string> = {};
  let dryRun = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--dry-run') {
      dryRun = true;
      continue;
    }
    const name = /^--([a-z-]+)$/.exec(arg)?.[1];
    const known = ['billing-account', 'project', 'amount', 'currency', 'topic', 'display-name', 'filter-project-number', 'quota-project'];
    if (!name || !known.includes(name)) throw new Error(`unknown argument ${arg}; expected --${known.join(', --')}, --dry-run`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`${arg} needs a value`);
    values[name] = value;
  }
  for (const required of ['billing-account', 'project', 'amount']) if (!values[required]) throw new Error(`--${required} is required`);
  return {
    billingAccountId: values['billing-account']!.toUpperCase(),
    projectId: values.project!,
    amount: values.amount!,
    currencyCode: (values.currency ?? 'USD').toUpperCase(),
    topic: values.topic ?? DEFAULT_TOPIC,
    displayName: values['display-name'] ?? `reelguard ${values.project} Veo spend`,
    filterProjectNumber: values['filter-project-number'] ?? null,
    quotaProject: values['quota-project'] ?? values.project!,
    dryRun,
  };
}

async function main(): Promise<void> {
  const options = parseCreateBudgetArgs(process.argv.slice(2));
  const request = buildCreateBudgetRequest(options);
  if (options.dryRun) {
    console.log(JSON.stringify(request, null, 2));
    return;
  }
  const { GoogleAuth } = require('google-auth-library') as typeof import('google-auth-library');
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  const client = await auth.getClient();
  const response = await client.request<{ name?: string }>({ url: request.url, method: request.method, headers: request.headers, data: request.body, timeout: 30_000 });
  const name = response.data.name ?? '';
  const budgetId = name.split('/').pop() ?? '';
  console.log(`created ${name}`);
  console.log(`now set BUDGET_ALLOWED_IDS=${budgetId} on the budgetAlerts function (see docs/budget-kill-switch.md)`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    const body = (error as { response?: { data?: unknown } }).response?.data;
    console.error(error instanceof Error ? error.message : error, body ? JSON.stringify(body) : '');
    process.exitCode = 1;
  });
}
