import type { Firestore } from '@google-cloud/firestore';

/**
 * The Firestore SDK is required lazily: a function that never touches Firestore (or touches it
 * late) does not pay for loading it at cold start.
 */
export function loadFirestoreSdk(): typeof import('@google-cloud/firestore') {
  return require('@google-cloud/firestore') as typeof import('@google-cloud/firestore');
}

const clients = new Map<string, Firestore>();

/** One client per project for the life of the instance; FIRESTORE_EMULATOR_HOST redirects it locally. */
export function firestoreFor(projectId: string): Firestore {
  let db = clients.get(projectId);
  if (!db) {
    const { Firestore: FirestoreClient } = loadFirestoreSdk();
    db = new FirestoreClient({ projectId, ignoreUndefinedProperties: true });
    clients.set(projectId, db);
  }
  return db;
}

/**
 * Transactions on one account serialize; under a burst the emulator and production both abort
 * losers, so allow more attempts than the SDK's default 5 (FACTS.md: one needed 4).
 */
export const TRANSACTION_MAX_ATTEMPTS = 25;
