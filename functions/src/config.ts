import { z } from 'zod';
import { usdToMicros } from './domain/money';
import type { AccountLimits } from './domain/account';
import { DEFAULT_BUDGET_ACTIONS, parseBudgetActions } from './domain/budgetAlert';
import { MAX_PLATFORM_SHARDS, type PlatformCap } from './domain/platformCap';

/**
 * The environment, parsed once per instance with zod. Each function reads only the section it
 * needs, so a worker does not fail for a missing OAuth secret. Errors name the variable.
 * Secrets (OAuth client secret, Stripe keys) come from the environment only — Secret Manager
 * mounts them as variables in production — never from the repository.
 */
type Env = Record<string, string | undefined>;

const csv = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  );
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const usd = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s, ctx) => {
      try {
        return usdToMicros(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a USD amount such as 12.50' });
        return z.NEVER;
      }
    });

function parseSection<T extends z.ZodType>(name: string, schema: T, env: Env): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`).join('; ');
    throw new Error(`invalid ${name} configuration: ${problems}`);
  }
  return result.data;
}

const commonSchema = z
  .object({
    REELGUARD_MODE: z.enum(['local', 'production']).default('production'),
    GOOGLE_CLOUD_PROJECT: z.string().optional(),
    GCLOUD_PROJECT: z.string().optional(),
    GENERATION_TOPIC: z.string().default('generation-requests'),
    LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL']).default('INFO'),
  })
  .transform((e, ctx) => {
    const projectId = e.GOOGLE_CLOUD_PROJECT ?? e.GCLOUD_PROJECT;
    if (!projectId) {
      ctx.addIssue({ code: 'custom', message: 'GOOGLE_CLOUD_PROJECT (or GCLOUD_PROJECT) is required' });
      return z.NEVER;
    }
    return { mode: e.REELGUARD_MODE, projectId, generationTopic: e.GENERATION_TOPIC, logLevel: e.LOG_LEVEL };
  });
export type CommonConfig = z.infer<typeof commonSchema>;

const apiSchema = z
  .object({
    REELGUARD_MODE: z.enum(['local', 'production']).default('production'),
    PUBLIC_BASE_URL: z.url().default('http://127.0.0.1:3000'),
    ALLOWED_ORIGINS: csv,
    OAUTH_CLIENT_ID: z.string().min(1, 'OAUTH_CLIENT_ID is required'),
    OAUTH_CLIENT_SECRET: z.string().min(1, 'OAUTH_CLIENT_SECRET is required (from Secret Manager in production)'),
    LOCAL_OIDC_ISSUER: z.url().optional(),
    ADMIN_EMAILS: z.string().optional(),
    SESSION_IDLE_MS: positiveInt(2 * 3_600_000),
    SESSION_MAX_AGE_MS: positiveInt(7 * 24 * 3_600_000),
    DEFAULT_MONTHLY_CAP_USD: usd('10'),
    DEFAULT_MAX_PER_VIDEO_USD: usd('3.20'),
    DEFAULT_MAX_GENERATIONS_PER_HOUR: positiveInt(5),
    DEFAULT_MAX_IN_FLIGHT: positiveInt(2),
    HOLD_TTL_MS: positiveInt(30 * 60_000),
  })
  .transform((e, ctx) => {
    if (e.REELGUARD_MODE === 'local' && !e.LOCAL_OIDC_ISSUER) {
      ctx.addIssue({ code: 'custom', message: 'LOCAL_OIDC_ISSUER is required when REELGUARD_MODE=local' });
      return z.NEVER;
    }
    const publicOrigin = new URL(e.PUBLIC_BASE_URL).origin;
    const defaultLimits: AccountLimits = {
      monthlyCapMicros: e.DEFAULT_MONTHLY_CAP_USD,
      maxPerVideoMicros: e.DEFAULT_MAX_PER_VIDEO_USD,
      maxGenerationsPerHour: e.DEFAULT_MAX_GENERATIONS_PER_HOUR,
      maxInFlight: e.DEFAULT_MAX_IN_FLIGHT,
    };
    return {
      mode: e.REELGUARD_MODE,
      publicBaseUrl: e.PUBLIC_BASE_URL.replace(/\/+$/, ''),
      allowedOrigins: [...new Set([publicOrigin, ...e.ALLOWED_ORIGINS])],
      oauth: { clientId: e.OAUTH_CLIENT_ID, clientSecret: e.OAUTH_CLIENT_SECRET, localIssuer: e.LOCAL_OIDC_ISSUER ?? null },
      // Local mode has a well-known admin so the walkthrough can exercise /v1/admin; production has none unless named.
      adminEmails: (e.ADMIN_EMAILS ?? (e.REELGUARD_MODE === 'local' ? 'admin@example.com' : ''))
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
      session: { idleMs: e.SESSION_IDLE_MS, maxAgeMs: e.SESSION_MAX_AGE_MS },
      defaultLimits,
      holdTtlMs: e.HOLD_TTL_MS,
    };
  });
export type ApiConfig = z.infer<typeof apiSchema>;

const workerSchema = z.object({
  VEO_LOCATION: z.string().default('us-central1'),
  VEO_BASE_URL: z.url().optional(),
  VEO_START_TIMEOUT_MS: positiveInt(60_000),
  VEO_POLL_TIMEOUT_MS: positiveInt(20_000),
  /** How long one worker invocation polls before handing the operation to the sweeper (waiting is billed). */
  WORKER_POLL_BUDGET_MS: positiveInt(60_000),
  WORKER_POLL_INITIAL_MS: positiveInt(2_000),
  WORKER_POLL_MAX_MS: positiveInt(15_000),
  WORKER_LEASE_MS: positiveInt(5 * 60_000),
  WORKER_MAX_START_ATTEMPTS: positiveInt(5),
  WORKER_REQUEUE_BASE_MS: positiveInt(5_000),
  WORKER_REQUEUE_MAX_MS: positiveInt(60_000),
  /** Veo takes 11 s to ~6 min; an operation still running after this is handed to reconciliation. */
  OPERATION_DEADLINE_MS: positiveInt(30 * 60_000),
  /** Local mode: the simulated Veo only checks that a bearer token is present. */
  VEO_ACCESS_TOKEN: z.string().optional(),
  VIDEO_URL_KIND: z.enum(['signed', 'public']).default('signed'),
  VIDEO_BUCKET: z.string().optional(),
  LOCAL_VIDEO_DIR: z.string().optional(),
  LOCAL_VIDEO_BASE_URL: z.url().optional(),
}).refine((e) => e.WORKER_LEASE_MS >= e.VEO_START_TIMEOUT_MS + 1_000, {
  // A lease that can run out during the start call lets the sweeper give a live start up as orphaned.
  message: 'WORKER_LEASE_MS must exceed VEO_START_TIMEOUT_MS by at least 1 s',
  path: ['WORKER_LEASE_MS'],
});
export type WorkerConfig = z.infer<typeof workerSchema>;

const cache = new Map<string, unknown>();
function once<T>(key: string, build: () => T): T {
  if (!cache.has(key)) cache.set(key, build());
  return cache.get(key) as T;
}

export const commonConfig = (env: Env = process.env): CommonConfig => once('common', () => parseSection('common', commonSchema, env));
export const apiConfig = (env: Env = process.env): ApiConfig => once('api', () => parseSection('api', apiSchema, env));
export const workerConfig = (env: Env = process.env): WorkerConfig => once('worker', () => parseSection('worker', workerSchema, env));

/** Tests change the environment between cases. */
export function resetConfigForTests(): void {
  cache.clear();
}


const sweeperSchema = z.object({
  /** Scheduler OIDC: the audience Cloud Scheduler puts in its token (the function URL) and who may call. */
  SWEEPER_AUDIENCE: z.string().optional(),
  SCHEDULER_SERVICE_ACCOUNTS: csv,
  SWEEP_BATCH_LIMIT: positiveInt(100),
  /** A queued generation untouched this long is published again (its message was lost or dead-lettered). */
  SWEEP_REPUBLISH_AFTER_MS: positiveInt(2 * 60_000),
  SWEEP_MAX_ACCOUNTS_CHECKED: positiveInt(500),
});
export type SweeperConfig = z.infer<typeof sweeperSchema>;
export const sweeperConfig = (env: Env = process.env): SweeperConfig => once('sweeper', () => parseSection('sweeper', sweeperSchema, env));

/**
 * Budget kill switch (budgetAlerts) and the ledger's platform cap. Two sections: the api reads
 * only the platform cap, so a typo in BUDGET_ACTIONS cannot take the api down, and the budget
 * function fails loudly (Pub/Sub redelivers, nothing is dropped) until the typo is fixed.
 */
const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default(fallback)
    .transform((v) => v === 'true');

const budgetSchema = z
  .object({
    /** Only notifications of these budget ids act; the rest are logged at WARNING and ignored. */
    BUDGET_ALLOWED_IDS: csv,
    BUDGET_ACTIONS: z.string().default(DEFAULT_BUDGET_ACTIONS),
    /** A new cost interval below every threshold undoes what this budget did (never an admin's change). */
    BUDGET_AUTO_RESUME: flag('false'),
    BUDGET_ALERT_WEBHOOK_URL: z.url().optional(),
    BUDGET_ALERT_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().max(30_000).default(3_000),
  })
  .transform((e, ctx) => {
    const actions = parseBudgetActions(e.BUDGET_ACTIONS);
    if (!actions.ok) {
      for (const issue of actions.issues) ctx.addIssue({ code: 'custom', path: ['BUDGET_ACTIONS'], message: issue });
      return z.NEVER;
    }
    return {
      allowedBudgetIds: e.BUDGET_ALLOWED_IDS,
      rules: actions.rules,
      autoResume: e.BUDGET_AUTO_RESUME,
      webhook: e.BUDGET_ALERT_WEBHOOK_URL ? { url: e.BUDGET_ALERT_WEBHOOK_URL, timeoutMs: e.BUDGET_ALERT_WEBHOOK_TIMEOUT_MS } : null,
    };
  });
export type BudgetConfig = z.infer<typeof budgetSchema>;
export const budgetConfig = (env: Env = process.env): BudgetConfig => once('budget', () => parseSection('budget', budgetSchema, env));

const platformCapSchema = z
  .object({
    /** Absent or empty: no platform cap, and reservations touch no shard. */
    PLATFORM_MONTHLY_CAP_USD: z.string().optional(),
    PLATFORM_CAP_SHARDS: z.coerce.number().int().min(1).max(MAX_PLATFORM_SHARDS).default(16),
    /** Shards one reservation may look at; the default (every shard) bounds what sharding strands to shards × hold. */
    PLATFORM_CAP_MAX_SHARD_TRIES: z.coerce.number().int().positive().optional(),
  })
  .transform((e, ctx): { platformCap: PlatformCap | null } => {
    const text = e.PLATFORM_MONTHLY_CAP_USD?.trim();
    if (!text) return { platformCap: null };
    let capMicros: number;
    try {
      capMicros = usdToMicros(text);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['PLATFORM_MONTHLY_CAP_USD'], message: 'must be a USD amount such as 5000 or 12.50' });
      return z.NEVER;
    }
    const shardCount = e.PLATFORM_CAP_SHARDS;
    return { platformCap: { capMicros, shardCount, maxShardTries: Math.min(shardCount, e.PLATFORM_CAP_MAX_SHARD_TRIES ?? shardCount) } };
  });
export type PlatformCapConfig = z.infer<typeof platformCapSchema>;
export const platformCapConfig = (env: Env = process.env): PlatformCapConfig => once('platformCap', () => parseSection('platformCap', platformCapSchema, env));
