import type { Request, Response } from '@google-cloud/functions-framework';
import { sweep, type SweepDeps } from '../app/sweep';
import { commonConfig, platformCapConfig, sweeperConfig } from '../config';
import { DomainError, isDomainError } from '../domain/errors';
import { statusFor } from '../http/errorStatus';
import { logger, traceFromHeaders } from '../logger';
import type { IdentityProvider } from '../ports/identityProvider';
import { pubsubGenerationQueue } from '../adapters/pubsub/generationQueue';
import { buildRunGenerationDeps } from './workerDeps';

interface SweeperDeps {
  sweep: SweepDeps;
  identity: IdentityProvider;
  audience: string | null;
  allowedEmails: string[];
  mode: 'local' | 'production';
}

let deps: SweeperDeps | undefined;

export function setSweeperDepsForTests(next: SweeperDeps | undefined): void {
  deps = next;
}

function buildSweeperDeps(): SweeperDeps {
  const common = commonConfig();
  const config = sweeperConfig();
  const worker = buildRunGenerationDeps();
  const oauth = require('../adapters/google-oauth') as typeof import('../adapters/google-oauth');
  // Only ID-token verification is used here, which needs no client secret.
  const client = { clientId: process.env.OAUTH_CLIENT_ID ?? 'scheduler-verification-only', clientSecret: 'unused' };
  const issuer = process.env.LOCAL_OIDC_ISSUER;
  const signIn = common.mode === 'local' && issuer ? oauth.localOidcSignInOptions({ issuer, ...client }) : oauth.googleSignInOptions(client);
  return {
    sweep: {
      db: worker.db,
      queue: pubsubGenerationQueue(common.projectId, common.generationTopic),
      // One poll per running operation: the sweeper must not sit waiting on Veo.
      worker: { ...worker, workerId: `sweeper-${worker.workerId}`, limits: { ...worker.limits, pollBudgetMs: 0 } },
      limits: { batchLimit: config.SWEEP_BATCH_LIMIT, republishAfterMs: config.SWEEP_REPUBLISH_AFTER_MS, maxAccountsChecked: config.SWEEP_MAX_ACCOUNTS_CHECKED },
      platformCapMicros: platformCapConfig().platformCap?.capMicros ?? null,
    },
    identity: oauth.createGoogleIdentityProvider(signIn),
    audience: config.SWEEPER_AUDIENCE ?? null,
    allowedEmails: config.SCHEDULER_SERVICE_ACCOUNTS,
    mode: common.mode,
  };
}

/**
 * HTTP function for Cloud Scheduler. Every call must carry the scheduler's OIDC ID token for
 * this function's URL from an allowed service account: a sweep moves money (expires holds) and
 * calls Veo, so nobody else may trigger it.
 */
export async function sweeper(req: Request, res: Response): Promise<void> {
  const log = logger.child({ component: 'sweeper', trace: traceFromHeaders(req.headers) });
  try {
    deps ??= buildSweeperDeps();
    if (req.method !== 'POST') throw new DomainError('NOT_FOUND', 'POST only.');
    if (!deps.audience || deps.allowedEmails.length === 0) {
      throw new Error('sweeper is not configured: SWEEPER_AUDIENCE and SCHEDULER_SERVICE_ACCOUNTS are required');
    }
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) throw new DomainError('UNAUTHENTICATED', 'A Cloud Scheduler OIDC token is required.');
    const caller = await deps.identity.verifySchedulerToken(match[1]!, { audience: deps.audience, allowedEmails: deps.allowedEmails });
    const startedAt = Date.now();
    const report = await sweep(deps.sweep, log);
    log.info('sweep finished', { caller: caller.email, durationMs: Date.now() - startedAt, report });
    res.status(200).json(report);
  } catch (error) {
    if (isDomainError(error) && error.code !== 'INTERNAL') {
      res.status(statusFor(error.code)).json({ error: { code: error.code, message: error.message } });
      return;
    }
    log.error('sweep failed', { error });
    res.status(500).json({ error: { code: 'INTERNAL', message: 'Internal error. It has been logged.' } });
  }
}
