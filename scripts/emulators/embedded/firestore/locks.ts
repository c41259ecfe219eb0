import { status } from '@grpc/grpc-js';
import { RpcError } from '../rpcError';

/**
 * Exclusive document locks, the pessimistic concurrency control the official emulator and
 * production use for read-write transactions. The official emulator takes shared read locks and
 * aborts one side when both want to write; here a transactional read takes the lock exclusively, so
 * contenders queue (FIFO) instead of aborting each other, and a transaction that would close a wait
 * cycle is aborted at once with ABORTED, which the client SDK retries. A wait longer than the
 * timeout aborts too, so a client that vanished mid-transaction cannot stall others for long.
 */
export class LockOwner {
  readonly held = new Set<string>();
  readonly waits = new Map<string, Waiter>();
  /** Set once the owner lost a deadlock or timed out: every later lock request fails. */
  abortReason: string | undefined;

  constructor(readonly label: string) {}
}

interface Waiter {
  owner: LockOwner;
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class LockManager {
  private readonly holders = new Map<string, LockOwner>();
  private readonly queues = new Map<string, Waiter[]>();

  constructor(private readonly waitTimeoutMs: number) {}

  /** Acquires `keys` one at a time in sorted order, so owners that lock the same set never deadlock. */
  async acquireAll(owner: LockOwner, keys: Iterable<string>): Promise<void> {
    for (const key of [...new Set(keys)].sort()) await this.acquire(owner, key);
  }

  acquire(owner: LockOwner, key: string): Promise<void> {
    if (owner.abortReason) return Promise.reject(new RpcError(status.ABORTED, owner.abortReason));
    const holder = this.holders.get(key);
    if (!holder) {
      this.holders.set(key, owner);
      owner.held.add(key);
      return Promise.resolve();
    }
    if (holder === owner) return Promise.resolve();
    const existing = owner.waits.get(key);
    if (existing) return existing.promise;
    const queue = this.queues.get(key) ?? [];
    if (this.waitsFor(new Set([holder, ...queue.map((waiter) => waiter.owner)]), owner)) {
      const reason = `Transaction aborted: waiting for ${key} would deadlock (${owner.label})`;
      this.abort(owner, reason);
      return Promise.reject(new RpcError(status.ABORTED, reason));
    }
    let resolve!: () => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const waiter: Waiter = {
      owner,
      promise,
      resolve,
      reject,
      timer: setTimeout(() => {
        this.abort(owner, `Transaction lock timeout: ${key} stayed locked for ${this.waitTimeoutMs} ms`);
      }, this.waitTimeoutMs),
    };
    queue.push(waiter);
    this.queues.set(key, queue);
    owner.waits.set(key, waiter);
    return promise;
  }

  /** Releases everything `owner` holds and fails its pending waits; used on commit, rollback, abort and expiry. */
  releaseAll(owner: LockOwner, waitError?: Error): void {
    for (const [key, waiter] of owner.waits) {
      clearTimeout(waiter.timer);
      const queue = this.queues.get(key);
      if (queue) {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        if (queue.length === 0) this.queues.delete(key);
      }
      waiter.reject(waitError ?? new RpcError(status.ABORTED, owner.abortReason ?? 'Transaction was closed while waiting for a lock'));
    }
    owner.waits.clear();
    for (const key of owner.held) {
      this.holders.delete(key);
      this.grantNext(key);
    }
    owner.held.clear();
  }

  abort(owner: LockOwner, reason: string): void {
    owner.abortReason ??= reason;
    this.releaseAll(owner, new RpcError(status.ABORTED, owner.abortReason));
  }

  private grantNext(key: string): void {
    const queue = this.queues.get(key);
    const next = queue?.shift();
    if (!queue || !next) return;
    if (queue.length === 0) this.queues.delete(key);
    clearTimeout(next.timer);
    next.owner.waits.delete(key);
    this.holders.set(key, next.owner);
    next.owner.held.add(key);
    next.resolve();
  }

  /**
   * Whether any of `from` (transitively) waits for `target`. A waiter waits for the holder of the
   * key and for everyone queued ahead of it, since they will hold the key first.
   */
  private waitsFor(from: Set<LockOwner>, target: LockOwner): boolean {
    const seen = new Set<LockOwner>();
    const stack = [...from];
    while (stack.length > 0) {
      const owner = stack.pop()!;
      if (owner === target) return true;
      if (seen.has(owner)) continue;
      seen.add(owner);
      for (const [key, waiter] of owner.waits) {
        const holder = this.holders.get(key);
        if (holder) stack.push(holder);
        for (const ahead of this.queues.get(key) ?? []) {
          if (ahead === waiter) break;
          stack.push(ahead.owner);
        }
      }
    }
    return false;
  }
}
