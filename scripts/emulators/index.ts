import path from 'node:path';
import { findOfficialJars, startOfficialFirestore, startOfficialPubsub } from './official';

/**
 * Starts the Firestore and Pub/Sub emulators the tests and the local stack run against.
 * REELGUARD_EMULATORS chooses: `official` (google-cloud-cli jars, fails if absent), `embedded`
 * (the Node emulators in scripts/emulators/embedded), or `auto` (official where present).
 */
export type EmulatorBackend = 'official' | 'embedded';

export interface Emulators {
  backend: EmulatorBackend;
  firestoreHost: string;
  pubsubHost: string;
  /** Environment the Google client libraries read to talk to these emulators. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StartOptions {
  backend?: 'auto' | EmulatorBackend;
  firestorePort?: number;
  pubsubPort?: number;
  rulesPath?: string;
}

export const RULES_PATH = path.resolve(__dirname, '..', '..', 'firestore.rules');

export function chooseBackend(requested: string | undefined): EmulatorBackend {
  const choice = (requested ?? 'auto').toLowerCase();
  if (choice !== 'auto' && choice !== 'official' && choice !== 'embedded') {
    throw new Error(`REELGUARD_EMULATORS must be auto, official or embedded, got ${requested}`);
  }
  if (choice === 'embedded') return 'embedded';
  const jars = findOfficialJars();
  if (choice === 'official' && !jars) {
    throw new Error('REELGUARD_EMULATORS=official but the google-cloud-cli emulator jars were not found (set CLOUDSDK_ROOT_DIR?)');
  }
  return jars ? 'official' : 'embedded';
}

function envFor(firestoreHost: string, pubsubHost: string): Record<string, string> {
  return {
    FIRESTORE_EMULATOR_HOST: firestoreHost,
    PUBSUB_EMULATOR_HOST: pubsubHost,
    METADATA_SERVER_DETECTION: 'none',
  };
}

export async function startEmulators(options: StartOptions = {}): Promise<Emulators> {
  const backend = chooseBackend(options.backend ?? process.env.REELGUARD_EMULATORS);
  if (backend === 'official') {
    const jars = findOfficialJars();
    if (!jars) throw new Error('official emulator jars disappeared');
    const [firestore, pubsub] = await Promise.all([
      startOfficialFirestore(jars, { port: options.firestorePort, rulesPath: options.rulesPath ?? RULES_PATH }),
      startOfficialPubsub(jars, { port: options.pubsubPort }),
    ]);
    return {
      backend,
      firestoreHost: firestore.host,
      pubsubHost: pubsub.host,
      env: envFor(firestore.host, pubsub.host),
      async stop() {
        await Promise.all([firestore.child.stop(), pubsub.child.stop()]);
      },
    };
  }
  // Required lazily: machines with the official jars never load the embedded emulators.
  const embedded = require('./embedded') as typeof import('./embedded');
  const [firestore, pubsub] = await Promise.all([
    embedded.startEmbeddedFirestore({ port: options.firestorePort }),
    embedded.startEmbeddedPubsub({ port: options.pubsubPort }),
  ]);
  return {
    backend,
    firestoreHost: firestore.host,
    pubsubHost: pubsub.host,
    env: envFor(firestore.host, pubsub.host),
    async stop() {
      await Promise.all([firestore.stop(), pubsub.stop()]);
    },
  };
}
