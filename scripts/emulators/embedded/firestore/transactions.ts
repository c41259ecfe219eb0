import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { invalidArgument, RpcError } from '../rpcError';
import type { FieldPath } from './fieldPaths';
import { LockOwner, type LockManager } from './locks';
import type { StoredDocument } from './documentStore';
import type { TimeNs } from './time';
import type { StructuredQuery } from './wireTypes';

/**
 * Open transactions. A read-write transaction owns document locks until it commits, rolls back,
 * is aborted, or sits idle past the timeout (60 s, like the official emulator and production).
 */
export const TRANSACTION_IDLE_TIMEOUT_MS = 60_000;
/** Finished transactions are remembered a while so late calls get a precise error instead of "unknown". */
const FORGET_AFTER_MS = 5 * 60_000;

/** A query read inside a read-write transaction, re-run at commit to catch phantoms (documents that started to match). */
export interface RecordedQuery {
  parentSegments: string[];
  query: StructuredQuery;
  orderedFields: FieldPath[];
  signature: string;
}

export interface Transaction {
  id: Buffer;
  database: string;
  readOnly: boolean;
  /** Snapshot of a read-only transaction; read-write transactions read the latest data under their locks. */
  readTimeNs: TimeNs | undefined;
  owner: LockOwner;
  queries: RecordedQuery[];
  state: 'active' | 'committed' | 'rolledBack' | 'aborted' | 'expired';
  lastUsedMs: number;
}

export function resultSignature(documents: StoredDocument[]): string {
  return documents.map((document) => `${document.path}@${document.updateTimeNs}`).join('\n');
}

export class TransactionRegistry {
  private readonly transactions = new Map<string, Transaction>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly locks: LockManager) {
    this.sweeper = setInterval(() => this.sweep(), 1000);
    this.sweeper.unref();
  }

  begin(database: string, options: { readOnly: boolean; readTimeNs: TimeNs | undefined }): Transaction {
    const id = randomBytes(16);
    const transaction: Transaction = {
      id,
      database,
      readOnly: options.readOnly,
      readTimeNs: options.readTimeNs,
      owner: new LockOwner(`transaction ${id.toString('hex')}`),
      queries: [],
      state: 'active',
      lastUsedMs: Date.now(),
    };
    this.transactions.set(id.toString('hex'), transaction);
    return transaction;
  }

  /** The active transaction `id`, or the error the client should see for it. */
  get(database: string, id: Buffer | Uint8Array): Transaction {
    const transaction = this.transactions.get(Buffer.from(id).toString('hex'));
    if (!transaction || transaction.database !== database) throw invalidArgument('Transaction is invalid or closed.');
    if (transaction.owner.abortReason && transaction.state === 'active') transaction.state = 'aborted';
    switch (transaction.state) {
      case 'active':
        transaction.lastUsedMs = Date.now();
        return transaction;
      case 'aborted':
        throw new RpcError(status.ABORTED, transaction.owner.abortReason ?? 'Transaction was aborted.');
      case 'expired':
        // The client SDK retries INVALID_ARGUMENT only when it says exactly this.
        throw invalidArgument('The referenced transaction has expired or is no longer valid: transaction has expired.');
      default:
        throw invalidArgument('Transaction is invalid or closed.');
    }
  }

  finish(transaction: Transaction, state: 'committed' | 'rolledBack'): void {
    if (transaction.state === 'active') transaction.state = state;
    this.locks.releaseAll(transaction.owner);
  }

  abort(transaction: Transaction, reason: string): void {
    if (transaction.state === 'active') transaction.state = 'aborted';
    this.locks.abort(transaction.owner, reason);
  }

  /** Ends every transaction of a database that is being cleared, so none keeps locks on vanished data. */
  abortDatabase(database: string): void {
    for (const transaction of this.transactions.values()) {
      if (transaction.database === database) this.abort(transaction, 'Transaction aborted: the database was cleared.');
    }
  }

  private sweep(): void {
    const nowMs = Date.now();
    for (const [key, transaction] of this.transactions) {
      if (transaction.state === 'active' && !transaction.owner.abortReason && nowMs - transaction.lastUsedMs > TRANSACTION_IDLE_TIMEOUT_MS) {
        transaction.state = 'expired';
        this.locks.releaseAll(transaction.owner);
      } else if (transaction.state !== 'active' && nowMs - transaction.lastUsedMs > FORGET_AFTER_MS) {
        this.transactions.delete(key);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}
