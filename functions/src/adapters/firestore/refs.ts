import type { DocumentReference, DocumentSnapshot, Firestore, Transaction } from '@google-cloud/firestore';
import type { AccountState, GlobalControls } from '../../domain/account';
import { DEFAULT_CONTROLS } from '../../domain/account';
import { COLLECTIONS, GLOBAL_CONTROLS_DOC } from './collections';
import {
  accountDocSchema,
  controlsDocSchema,
  converter,
  entryDocSchema,
  generationDocSchema,
  type AccountDoc,
  type ControlsDoc,
  type EntryDoc,
  type GenerationDoc,
} from './schemas';

const accountConverter = converter(accountDocSchema);
const entryConverter = converter(entryDocSchema);
const generationConverter = converter(generationDocSchema);
const controlsConverter = converter(controlsDocSchema);

export function accountRef(db: Firestore, accountId: string): DocumentReference<AccountDoc> {
  return db.collection(COLLECTIONS.accounts).doc(accountId).withConverter(accountConverter);
}

export function entriesOf(db: Firestore, accountId: string) {
  return db.collection(COLLECTIONS.accounts).doc(accountId).collection(COLLECTIONS.entries).withConverter(entryConverter);
}

export function entryRef(db: Firestore, accountId: string, entryId: string): DocumentReference<EntryDoc> {
  return entriesOf(db, accountId).doc(entryId);
}

export function generationsCollection(db: Firestore) {
  return db.collection(COLLECTIONS.generations).withConverter(generationConverter);
}

export function generationRef(db: Firestore, generationId: string): DocumentReference<GenerationDoc> {
  return generationsCollection(db).doc(generationId);
}

export function controlsRef(db: Firestore): DocumentReference<ControlsDoc> {
  return db.collection(COLLECTIONS.controls).doc(GLOBAL_CONTROLS_DOC).withConverter(controlsConverter);
}

export function toAccountState(accountId: string, doc: AccountDoc): AccountState {
  return {
    id: accountId,
    billingMode: doc.billingMode,
    limits: doc.limits,
    periodKey: doc.periodKey,
    spentMicros: doc.spentMicros,
    heldMicros: doc.heldMicros,
    creditMicros: doc.creditMicros,
    recentStartsMs: doc.recentStartsMs,
    inFlight: doc.inFlight,
    consent: doc.consent,
  };
}

/** The account fields the ledger owns, ready for `transaction.update`. */
export function accountMoneyFields(state: AccountState, nowMs: number): Partial<AccountDoc> {
  return {
    periodKey: state.periodKey,
    spentMicros: state.spentMicros,
    heldMicros: state.heldMicros,
    creditMicros: state.creditMicros,
    recentStartsMs: state.recentStartsMs,
    inFlight: state.inFlight,
    updatedAtMs: nowMs,
  };
}

export function toControls(doc: ControlsDoc | undefined): GlobalControls {
  return doc ?? DEFAULT_CONTROLS;
}

type SnapshotsOf<T extends readonly DocumentReference<any>[]> = { [K in keyof T]: T[K] extends DocumentReference<infer D> ? DocumentSnapshot<D> : never };

/**
 * Reads documents of different types in one round trip inside a transaction. Each reference keeps
 * its own converter, so every snapshot is validated against its own schema.
 */
export async function getAllInTransaction<T extends readonly DocumentReference<any>[]>(tx: Transaction, ...refs: T): Promise<SnapshotsOf<T>> {
  const snapshots = await tx.getAll(...(refs as unknown as DocumentReference[]));
  return snapshots as unknown as SnapshotsOf<T>;
}
