import { PubSub } from '@google-cloud/pubsub';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startEmulators, type Emulators } from '../emulators';
import { freePort } from '../emulators/ports';
import { startLocalVideoServer, type LocalVideoServer } from '../local-storage/localVideoServer';
import { startLocalOidc, type LocalOidc } from '../local-oidc';
import { startSimVeo, type SimVeo } from '../sim-veo';
import { ROOT, startFunction, type FunctionProcess, type FunctionSpec } from './functionProcess';
import { ensurePushTopic } from './topics';

export const SCHEDULER_SERVICE_ACCOUNT = 'scheduler@reelguard-local.iam.gserviceaccount.com';
export const LOCAL_BUDGET_ID = 'local-budget';

export interface StackOptions {
  apiPort?: number;
  projectId?: string;
  /** Reuse running emulators (tests) instead of starting new ones. */
  emulatorEnv?: Record<string, string>;
  simVeoLatencyMs?: number;
  /** 0 turns the local scheduler off (tests drive the sweeper themselves). */
  sweepIntervalMs?: number;
  inheritOutput?: boolean;
  /** Extra environment for every function (e.g. shorter leases in tests). */
  functionEnv?: Record<string, string>;
  dataDir?: string;
}

export interface Stack {
  projectId: string;
  urls: { api: string; worker: string; sweeper: string; budgetAlerts: string; simVeo: string; oidc: string; videos: string };
  emulatorEnv: Record<string, string>;
  emulatorBackend: string;
  sim: SimVeo;
  oidc: LocalOidc;
  functions: Record<FunctionSpec['target'], FunctionProcess>;
  /** Starts the worker again (same port, same env) after a test killed it. */
  restartWorker(): Promise<void>;
  sweepNow(): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * The whole local stack: emulators, every function as its own process on the compiled code,
 * the simulated Veo, the local OpenID provider, a static server for stored videos, Pub/Sub push
 * subscriptions wired to the functions, and local scheduler ticks for the sweeper.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const projectId = options.projectId ?? 'reelguard-local';
  const dataDir = options.dataDir ?? path.join(ROOT, '.reelguard');
  const videoDir = path.join(dataDir, 'videos', projectId);
  fs.mkdirSync(videoDir, { recursive: true });
  const inherit = options.inheritOutput ?? false;

  let emulators: Emulators | undefined;
  let emulatorEnv = options.emulatorEnv;
  let backend = process.env.REELGUARD_EMULATOR_BACKEND ?? 'external';
  if (!emulatorEnv) {
    emulators = await startEmulators();
    emulatorEnv = emulators.env;
    backend = emulators.backend;
  }
  // This process talks to the emulators too (topics, subscriptions).
  Object.assign(process.env, emulatorEnv);
  for (const name of ['GOOGLE_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI']) delete process.env[name];

  const clientSecret = randomBytes(24).toString('base64url');
  const oidc = await startLocalOidc({ clients: [{ clientId: 'reelguard-local.apps.googleusercontent.com', clientSecret }] });
  const sim = await startSimVeo({ faults: { latencyMs: options.simVeoLatencyMs ?? 3_000 } });
  const videos: LocalVideoServer = await startLocalVideoServer({ dir: videoDir });

  const apiPort = options.apiPort ?? Number(process.env.API_PORT ?? 3000);
  const ports = { api: apiPort === 0 ? await freePort() : apiPort, worker: await freePort(), sweeper: await freePort(), budgetAlerts: await freePort() };
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const urls = {
    api: url(ports.api),
    worker: url(ports.worker),
    sweeper: url(ports.sweeper),
    budgetAlerts: url(ports.budgetAlerts),
    simVeo: sim.baseUrl,
    oidc: oidc.issuer,
    videos: videos.baseUrl,
  };

  const env: Record<string, string> = {
    ...emulatorEnv,
    REELGUARD_MODE: 'local',
    GOOGLE_CLOUD_PROJECT: projectId,
    GCLOUD_PROJECT: projectId,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'INFO',
    PUBLIC_BASE_URL: urls.api,
    ALLOWED_ORIGINS: [urls.api, `http://localhost:${ports.api}`].join(','),
    OAUTH_CLIENT_ID: oidc.clientId,
    OAUTH_CLIENT_SECRET: clientSecret,
    LOCAL_OIDC_ISSUER: oidc.issuer,
    VEO_BASE_URL: sim.baseUrl,
    VEO_ACCESS_TOKEN: 'local-sim-token',
    LOCAL_VIDEO_DIR: videoDir,
    LOCAL_VIDEO_BASE_URL: videos.baseUrl,
    WORKER_POLL_INITIAL_MS: '1000',
    WORKER_POLL_MAX_MS: '3000',
    SWEEPER_AUDIENCE: urls.sweeper,
    SCHEDULER_SERVICE_ACCOUNTS: SCHEDULER_SERVICE_ACCOUNT,
    BUDGET_ALLOWED_IDS: LOCAL_BUDGET_ID,
    // Locally a new budget period below the thresholds resumes by itself, so the rehearsal
    // (npm run budget:simulate) can show pause → resume without an admin.
    BUDGET_AUTO_RESUME: 'true',
    ...options.functionEnv,
  };

  const specs: Record<FunctionSpec['target'], FunctionSpec> = {
    api: { target: 'api', signatureType: 'http', port: ports.api },
    generationWorker: { target: 'generationWorker', signatureType: 'cloudevent', port: ports.worker },
    sweeper: { target: 'sweeper', signatureType: 'http', port: ports.sweeper },
    budgetAlerts: { target: 'budgetAlerts', signatureType: 'cloudevent', port: ports.budgetAlerts },
  };
  const started = await Promise.all(Object.values(specs).map((spec) => startFunction(spec, env, inherit)));
  const functions = Object.fromEntries(started.map((f) => [f.spec.target, f])) as Record<FunctionSpec['target'], FunctionProcess>;

  const pubsub = new PubSub({ projectId });
  await ensurePushTopic(pubsub, { topic: 'generation-requests', subscription: 'generation-worker', pushEndpoint: `${urls.worker}/projects/${projectId}/topics/generation-requests`, maxDeliveryAttempts: 10 });
  await ensurePushTopic(pubsub, { topic: 'billing-budget-alerts', subscription: 'budget-alerts', pushEndpoint: `${urls.budgetAlerts}/projects/${projectId}/topics/billing-budget-alerts`, maxDeliveryAttempts: 5 });
  await pubsub.close();

  const sweepNow = async () => {
    const token = oidc.signSchedulerToken({ serviceAccountEmail: SCHEDULER_SERVICE_ACCOUNT, audience: urls.sweeper });
    const res = await fetch(urls.sweeper, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(120_000) });
    return res.json();
  };
  let ticking = true;
  let tick: NodeJS.Timeout | undefined;
  const interval = options.sweepIntervalMs ?? 30_000;
  const scheduleTick = () => {
    if (!ticking || interval <= 0) return;
    tick = setTimeout(() => {
      sweepNow()
        .catch((error: unknown) => console.error(`[stack] sweep tick failed: ${String(error)}`))
        .finally(scheduleTick);
    }, interval);
  };
  scheduleTick();

  const stateFile = path.join(dataDir, 'stack.json');
  fs.writeFileSync(stateFile, JSON.stringify({ projectId, urls, pubsubHost: emulatorEnv.PUBSUB_EMULATOR_HOST, firestoreHost: emulatorEnv.FIRESTORE_EMULATOR_HOST, budgetId: LOCAL_BUDGET_ID }, null, 2));

  return {
    projectId,
    urls,
    emulatorEnv,
    emulatorBackend: backend,
    sim,
    oidc,
    functions,
    async restartWorker() {
      await functions.generationWorker.stop();
      functions.generationWorker = await startFunction(specs.generationWorker, env, inherit);
    },
    sweepNow,
    async stop() {
      ticking = false;
      if (tick) clearTimeout(tick);
      await Promise.all(Object.values(functions).map((f) => f.stop()));
      await Promise.all([sim.stop(), oidc.stop(), videos.stop()]);
      await emulators?.stop();
      fs.rmSync(stateFile, { force: true });
    },
  };
}
