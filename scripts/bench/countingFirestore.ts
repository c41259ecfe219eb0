import type { Firestore, Transaction } from '@google-cloud/firestore';

export interface OperationCounts {
  reads: number;
  writes: number;
  transactions: number;
}

/**
 * Counts the document reads and writes our code asks Firestore for, by wrapping runTransaction
 * and the Transaction it hands out (billing counts the same units: one per document read or
 * written). Attempts that abort and retry are counted too, as Firestore bills them.
 */
export function countOperations(db: Firestore): { counts: OperationCounts; reset(): void } {
  const counts: OperationCounts = { reads: 0, writes: 0, transactions: 0 };
  const original = db.runTransaction.bind(db);
  (db as { runTransaction: Firestore['runTransaction'] }).runTransaction = ((update, options) =>
    original((tx: Transaction) => {
      counts.transactions += 1;
      const proxy = new Proxy(tx, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== 'function') return value;
          if (property === 'get') {
            return async (...args: unknown[]) => {
              const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
              counts.reads += result && typeof result === 'object' && 'docs' in result ? Math.max(1, (result as { docs: unknown[] }).docs.length) : 1;
              return result;
            };
          }
          if (property === 'getAll') {
            return (...args: unknown[]) => {
              counts.reads += args.filter((a) => a && typeof a === 'object' && 'path' in a).length;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          }
          if (property === 'create' || property === 'set' || property === 'update' || property === 'delete') {
            return (...args: unknown[]) => {
              counts.writes += 1;
              (value as (...a: unknown[]) => unknown).apply(target, args);
              return proxy;
            };
          }
          return value.bind(target);
        },
      });
      return update(proxy);
    }, options)) as Firestore['runTransaction'];
  return {
    counts,
    reset() {
      counts.reads = 0;
      counts.writes = 0;
      counts.transactions = 0;
    },
  };
}
