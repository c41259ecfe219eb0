import { status } from '@grpc/grpc-js';
import { invalidArgument, RpcError } from '../rpcError';
import { aggregate, aggregatedFields } from './aggregation';
import { FirestoreStore, type StoredDocument } from './documentStore';
import type { FieldPath } from './fieldPaths';
import { LockManager, LockOwner } from './locks';
import { documentName, parseDocumentName, parseParentName } from './names';
import { evaluateQuery, type QueryScope } from './query';
import { CommitClock, fromTimestamp, type TimeNs } from './time';
import { resultSignature, TransactionRegistry, type Transaction } from './transactions';
import { applyWrite, parseWrite } from './writes';
import type { Aggregation, ConsistencySelector, Fields, Status, StructuredQuery, TransactionOptions, Write, WriteResult } from './wireTypes';

/** Transactional waits longer than this abort (the client retries); official: "Transaction lock timeout". */
export const LOCK_WAIT_TIMEOUT_MS = 30_000;
/** A transactional query re-reads until every result it returns is locked; give up (ABORTED) after this many rounds. */
const MAX_QUERY_LOCK_ROUNDS = 10;

/** How a read sees the database: at a snapshot, or (read-write transaction) the latest data under locks. */
interface ReadContext {
  transaction: Transaction | undefined;
  /** Set when the read began the transaction: returned to the client in the first response. */
  newTransactionId: Buffer | undefined;
  snapshotNs: TimeNs | undefined;
}

export interface ReadResult<T> {
  value: T;
  readTimeNs: TimeNs;
  newTransactionId: Buffer | undefined;
}

/**
 * The emulator's data operations, independent of gRPC: reads at a snapshot or under a read-write
 * transaction's locks, atomic commits, non-atomic batch writes, listings.
 */
export class FirestoreEngine {
  private readonly store = new FirestoreStore();
  private readonly clock = new CommitClock();
  private readonly locks = new LockManager(LOCK_WAIT_TIMEOUT_MS);
  private readonly transactions = new TransactionRegistry(this.locks);

  close(): void {
    this.transactions.close();
  }

  beginTransaction(database: string, options: TransactionOptions | undefined): Transaction {
    if (options?.readOnly) {
      const readTime = options.readOnly.readTime;
      return this.transactions.begin(database, { readOnly: true, readTimeNs: readTime ? fromTimestamp(readTime) : this.clock.now() });
    }
    return this.transactions.begin(database, { readOnly: false, readTimeNs: undefined });
  }

  rollback(database: string, id: Buffer | Uint8Array): void {
    let transaction: Transaction;
    try {
      transaction = this.transactions.get(database, id);
    } catch (error) {
      // Rolling back an aborted transaction is how the client cleans up after ABORTED.
      if (error instanceof RpcError && error.code === status.ABORTED) return;
      throw error;
    }
    this.transactions.finish(transaction, 'rolledBack');
  }

  clearDatabase(database: string): void {
    this.transactions.abortDatabase(database);
    this.store.clearDatabase(database);
  }

  private readContext(database: string, selector: ConsistencySelector): ReadContext {
    if (selector.readTime) return { transaction: undefined, newTransactionId: undefined, snapshotNs: fromTimestamp(selector.readTime) };
    if (selector.transaction && selector.transaction.length > 0) {
      const transaction = this.transactions.get(database, selector.transaction);
      return { transaction, newTransactionId: undefined, snapshotNs: transaction.readTimeNs };
    }
    if (selector.newTransaction) {
      const transaction = this.beginTransaction(database, selector.newTransaction);
      return { transaction, newTransactionId: transaction.id, snapshotNs: transaction.readTimeNs };
    }
    return { transaction: undefined, newTransactionId: undefined, snapshotNs: this.clock.now() };
  }

  private isLocking(context: ReadContext): context is ReadContext & { transaction: Transaction } {
    return context.transaction !== undefined && !context.transaction.readOnly;
  }

  /** Runs a read; if it began a transaction and failed, the transaction is ended since the client never learns its id. */
  private async read<T>(database: string, selector: ConsistencySelector, body: (context: ReadContext) => Promise<T> | T): Promise<ReadResult<T>> {
    const context = this.readContext(database, selector);
    try {
      const value = await body(context);
      return { value, readTimeNs: context.snapshotNs ?? this.clock.now(), newTransactionId: context.newTransactionId };
    } catch (error) {
      if (context.transaction) {
        if (context.newTransactionId) this.transactions.abort(context.transaction, `Transaction aborted: its first read failed (${String(error)})`);
        else if (context.transaction.owner.abortReason) this.transactions.abort(context.transaction, context.transaction.owner.abortReason);
      }
      throw error;
    }
  }

  async getDocuments(database: string, names: string[], selector: ConsistencySelector): Promise<ReadResult<{ name: string; document: StoredDocument | undefined }[]>> {
    const keys = names.map((name) => {
      const key = parseDocumentName(name);
      if (key.database !== database) throw invalidArgument(`${name} is not in ${database}`);
      return key;
    });
    return this.read(database, selector, async (context) => {
      if (this.isLocking(context)) await this.locks.acquireAll(context.transaction.owner, keys.map((key) => documentName(database, key.path)));
      const store = this.store.database(database);
      return keys.map((key, index) => ({ name: names[index]!, document: store.get(key.path, context.snapshotNs) }));
    });
  }

  private scopeOf(parent: string): QueryScope {
    const { database, segments } = parseParentName(parent);
    return { database, parentSegments: segments };
  }

  /** Query results; inside a read-write transaction every result is locked and the query is re-checked at commit. */
  private async queryDocuments(scope: QueryScope, query: StructuredQuery, context: ReadContext, orderedFields: FieldPath[] = []): Promise<StoredDocument[]> {
    if (!this.isLocking(context)) return evaluateQuery(this.store.database(scope.database), scope, query, context.snapshotNs, orderedFields);
    const { transaction } = context;
    for (let round = 0; round < MAX_QUERY_LOCK_ROUNDS; round++) {
      const documents = evaluateQuery(this.store.database(scope.database), scope, query, undefined, orderedFields);
      const unlocked = documents.map((document) => documentName(scope.database, document.path)).filter((key) => !transaction.owner.held.has(key));
      if (unlocked.length === 0) {
        transaction.queries.push({ parentSegments: scope.parentSegments, query, orderedFields, signature: resultSignature(documents) });
        return documents;
      }
      await this.locks.acquireAll(transaction.owner, unlocked);
    }
    const reason = 'Transaction aborted: query results kept changing while they were being locked';
    this.transactions.abort(transaction, reason);
    throw new RpcError(status.ABORTED, reason);
  }

  async runQuery(parent: string, query: StructuredQuery, selector: ConsistencySelector): Promise<ReadResult<StoredDocument[]>> {
    const scope = this.scopeOf(parent);
    return this.read(scope.database, selector, (context) => this.queryDocuments(scope, query, context));
  }

  async runAggregation(parent: string, query: StructuredQuery, aggregations: Aggregation[], selector: ConsistencySelector): Promise<ReadResult<Fields>> {
    const scope = this.scopeOf(parent);
    return this.read(scope.database, selector, async (context) => aggregate(await this.queryDocuments(scope, query, context, aggregatedFields(aggregations)), aggregations));
  }

  /** Phantom check: a query read in the transaction must return the same documents at commit. */
  private validateQueries(transaction: Transaction): void {
    for (const recorded of transaction.queries) {
      const scope = { database: transaction.database, parentSegments: recorded.parentSegments };
      const now = evaluateQuery(this.store.database(transaction.database), scope, recorded.query, undefined, recorded.orderedFields);
      if (resultSignature(now) !== recorded.signature) {
        throw new RpcError(status.ABORTED, 'Transaction aborted: a query it read has different results now (a concurrent write added or changed a match)');
      }
    }
  }

  /** Applies all writes atomically at one commit time, or none of them. */
  async commit(database: string, rawWrites: Write[], transactionId: Buffer | undefined): Promise<{ writeResults: WriteResult[]; commitTimeNs: TimeNs }> {
    const writes = rawWrites.map(parseWrite);
    for (const write of writes) if (write.key.database !== database) throw invalidArgument(`${write.name} is not in ${database}`);
    const transaction = transactionId && transactionId.length > 0 ? this.transactions.get(database, transactionId) : undefined;
    if (transaction?.readOnly) {
      if (writes.length > 0) throw invalidArgument('Cannot write in a read-only transaction.');
      this.transactions.finish(transaction, 'committed');
      return { writeResults: [], commitTimeNs: this.clock.now() };
    }
    const owner = transaction?.owner ?? new LockOwner('commit');
    let outcome: 'committed' | 'rolledBack' = 'rolledBack';
    try {
      await this.locks.acquireAll(owner, writes.map((write) => documentName(database, write.key.path)));
      if (transaction) this.validateQueries(transaction);
      const commitTimeNs = this.clock.next();
      const store = this.store.database(database);
      const staged = new Map<string, StoredDocument | null>();
      const writeResults = writes.map((write) => {
        const current = staged.has(write.key.path) ? (staged.get(write.key.path) ?? undefined) : store.get(write.key.path);
        const applied = applyWrite(write, current, commitTimeNs);
        staged.set(write.key.path, applied.document);
        return applied.result;
      });
      for (const [path, document] of staged) {
        if (document !== (store.get(path) ?? null)) store.put(path, document, commitTimeNs);
      }
      outcome = 'committed';
      return { writeResults, commitTimeNs };
    } catch (error) {
      if (transaction && error instanceof RpcError && error.code === status.ABORTED) this.transactions.abort(transaction, error.message);
      throw error;
    } finally {
      if (transaction) this.transactions.finish(transaction, outcome);
      else this.locks.releaseAll(owner);
    }
  }

  /** BulkWriter's RPC: each write on its own, with its own status; no atomicity across writes. */
  async batchWrite(database: string, rawWrites: Write[]): Promise<{ writeResults: WriteResult[]; statuses: Status[] }> {
    const writeResults: WriteResult[] = [];
    const statuses: Status[] = [];
    for (const rawWrite of rawWrites) {
      try {
        const { writeResults: [result] } = await this.commit(database, [rawWrite], undefined);
        writeResults.push(result ?? {});
        statuses.push({ code: status.OK });
      } catch (error) {
        writeResults.push({});
        statuses.push({ code: error instanceof RpcError ? error.code : status.INTERNAL, message: error instanceof Error ? error.message : String(error) });
      }
    }
    return { writeResults, statuses };
  }

  /** Documents of one collection by name; with `showMissing`, also ids that only have subcollections. */
  listDocuments(parent: string, collectionId: string, options: { showMissing: boolean; readTimeNs: TimeNs | undefined }): { name: string; document: StoredDocument | undefined }[] {
    const { database, segments: parentSegments } = parseParentName(parent);
    if (!collectionId) throw invalidArgument('collectionId is required');
    const prefix = [...parentSegments, collectionId];
    const byPath = new Map<string, StoredDocument | undefined>();
    for (const document of this.store.database(database).documents(options.readTimeNs)) {
      const segments = document.segments;
      if (segments.length < prefix.length + 1 || !prefix.every((segment, i) => segments[i] === segment)) continue;
      if (segments.length === prefix.length + 1) byPath.set(document.path, document);
      else if (options.showMissing) {
        const path = segments.slice(0, prefix.length + 1).join('/');
        if (!byPath.has(path)) byPath.set(path, undefined);
      }
    }
    return [...byPath.entries()]
      .map(([path, document]) => ({ name: documentName(database, path), document }))
      .sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  }

  /** Ids of the collections directly under `parent` that hold at least one document at any depth. */
  listCollectionIds(parent: string, readTimeNs: TimeNs | undefined): string[] {
    const { database, segments: parentSegments } = parseParentName(parent);
    const ids = new Set<string>();
    for (const document of this.store.database(database).documents(readTimeNs)) {
      const segments = document.segments;
      if (segments.length > parentSegments.length && parentSegments.every((segment, i) => segments[i] === segment)) ids.add(segments[parentSegments.length]!);
    }
    return [...ids].sort();
  }

  /** Read time for listings: an explicit one, a read-only transaction's snapshot, or now. */
  listingReadTime(database: string, selector: ConsistencySelector): TimeNs | undefined {
    if (selector.readTime) return fromTimestamp(selector.readTime);
    if (selector.transaction && selector.transaction.length > 0) return this.transactions.get(database, selector.transaction).readTimeNs;
    return undefined;
  }
}
