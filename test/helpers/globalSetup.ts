import { startEmulators, type Emulators } from '../../scripts/emulators';

/**
 * Starts the emulators once for the whole jest run. Test workers are forked after this returns,
 * so the environment set here is what they see.
 */
export default async function globalSetup(): Promise<void> {
  const startedAtMs = Date.now();
  // In-process functions log only CRITICAL during tests (refusals and failures are what tests provoke) (the logger reads this at import);
  // TEST_LOG_LEVEL=INFO shows everything an operator would see.
  process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'CRITICAL';
  const emulators = await startEmulators();
  Object.assign(process.env, emulators.env, { REELGUARD_EMULATOR_BACKEND: emulators.backend });
  (globalThis as { __reelguardEmulators?: Emulators }).__reelguardEmulators = emulators;
  process.stderr.write(
    `\n[reelguard] ${emulators.backend} emulators up in ${Date.now() - startedAtMs} ms: firestore ${emulators.firestoreHost}, pubsub ${emulators.pubsubHost}\n`,
  );
}
