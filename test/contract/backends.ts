import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';
import { startEmulators, type EmulatorBackend, type Emulators } from '../../scripts/emulators';
import { findOfficialJars } from '../../scripts/emulators/official';

/**
 * The contract suite runs every test against every emulator backend on this machine: the
 * official google-cloud-cli jars when present, and always the embedded Node emulators. Each test
 * file starts its own emulators (not the jest global ones) so both backends run side by side.
 * REELGUARD_CONTRACT_BACKENDS=embedded (or =official) narrows the run while iterating.
 */
export function contractBackends(): EmulatorBackend[] {
  const present: EmulatorBackend[] = findOfficialJars() ? ['official', 'embedded'] : ['embedded'];
  const only = process.env.REELGUARD_CONTRACT_BACKENDS?.split(',').map((name) => name.trim());
  return only ? present.filter((backend) => only.includes(backend)) : present;
}

export interface ContractBackend {
  readonly name: EmulatorBackend;
  readonly emulators: Emulators;
  /** A client on its own fresh project (or `projectId`), so tests never see each other's data. */
  firestore(label: string, projectId?: string): Firestore;
  pubsub(label: string): PubSub;
}

export function uniqueProject(label: string): string {
  return `contract-${label}-${randomUUID().slice(0, 8)}`.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}

/**
 * Starts `backend` for the enclosing describe block and closes every client and emulator after it.
 * FIRESTORE_EMULATOR_HOST wins over explicit settings in the Firestore client, so it is pointed
 * at this backend only while a client is constructed (the client reads it once, then).
 */
export function useBackend(backend: EmulatorBackend): ContractBackend {
  let emulators: Emulators | undefined;
  const firestores: Firestore[] = [];
  const pubsubs: PubSub[] = [];
  const started = (): Emulators => {
    if (!emulators) throw new Error(`the ${backend} emulators are not started yet (use the clients inside tests or hooks)`);
    return emulators;
  };

  beforeAll(async () => {
    process.env.METADATA_SERVER_DETECTION = 'none';
    emulators = await startEmulators({ backend });
  }, 60_000);

  afterAll(async () => {
    // A client that fails to close (e.g. a BulkWriter left open) must not leave the emulators running.
    try {
      await Promise.allSettled([...firestores.map((db) => db.terminate()), ...pubsubs.map((client) => client.close())]);
    } finally {
      await emulators?.stop();
    }
  }, 30_000);

  return {
    name: backend,
    get emulators() {
      return started();
    },
    firestore(label: string, projectId = uniqueProject(label)) {
      const previous = process.env.FIRESTORE_EMULATOR_HOST;
      process.env.FIRESTORE_EMULATOR_HOST = started().firestoreHost;
      try {
        const db = new Firestore({ projectId, ignoreUndefinedProperties: true });
        firestores.push(db);
        return db;
      } finally {
        if (previous === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
        else process.env.FIRESTORE_EMULATOR_HOST = previous;
      }
    },
    pubsub(label: string) {
      const client = new PubSub({ projectId: uniqueProject(label), apiEndpoint: started().pubsubHost, emulatorMode: true });
      pubsubs.push(client);
      return client;
    },
  };
}
