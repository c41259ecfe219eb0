import { startStack } from './stack/startStack';

/**
 * `npm start`: the whole local stack in one command. Prints where to point curl or a browser and
 * a walkthrough; Ctrl-C stops every process it started.
 */
async function main(): Promise<void> {
  console.log('reelguard: starting the local stack (emulators, functions, simulated Veo, local sign-in)…');
  const started = Date.now();
  const stack = await startStack({ inheritOutput: process.env.STACK_LOGS === 'inherit', sweepIntervalMs: Number(process.env.SWEEP_INTERVAL_MS ?? 30_000) });
  const api = stack.urls.api;
  console.log(`
reelguard local stack is up in ${((Date.now() - started) / 1000).toFixed(1)} s (${stack.emulatorBackend} emulators, project ${stack.projectId})

  API                 ${api}            (OpenAPI: ${api}/openapi.json)
  Sign in (browser)   ${api}/auth/login?login_hint=alice@example.com
  generation worker   ${stack.urls.worker}   (Pub/Sub push from generation-requests)
  sweeper             ${stack.urls.sweeper}   (ticks every ${Number(process.env.SWEEP_INTERVAL_MS ?? 30_000) / 1000} s, OIDC-verified)
  budget alerts       ${stack.urls.budgetAlerts}   (Pub/Sub push from billing-budget-alerts)
  simulated Veo       ${stack.urls.simVeo}   (faults: POST ${stack.urls.simVeo}/__sim/faults, counts: GET ${stack.urls.simVeo}/__sim/stats)
  local OpenID        ${stack.urls.oidc}
  stored videos       ${stack.urls.videos}
  emulators           Firestore ${stack.emulatorEnv.FIRESTORE_EMULATOR_HOST}, Pub/Sub ${stack.emulatorEnv.PUBSUB_EMULATOR_HOST}
  logs                .reelguard/logs/fn-*.log (structured JSON; STACK_LOGS=inherit prints them here)

Try it (a new user, as in README.md):
  curl -sL -c jar -b jar '${api}/auth/login?login_hint=alice@example.com'
  curl -s -b jar ${api}/v1/onboarding
  curl -s -b jar -H 'Origin: ${api}' -H 'Content-Type: application/json' \\
       -d '{"priceBookVersion":"<version from /v1/onboarding>","maxUsdPerVideo":1,"allowCheaperModel":true}' ${api}/v1/onboarding/consent
  curl -s -b jar -H 'Origin: ${api}' -H 'Content-Type: application/json' -H "Idempotency-Key: $(uuidgen || date +%s%N)" \\
       -d '{"prompt":"a paper boat on a rainy street","model":"veo-3.1-fast-generate-001","durationSeconds":4}' ${api}/v1/generations
  curl -s -b jar ${api}/v1/generations        # status → succeeded, videos[0].url plays in a browser
  curl -s -b jar ${api}/v1/usage

Ctrl-C stops everything.`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local stack…`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  console.error('reelguard: the local stack failed to start:', error);
  process.exit(1);
});
