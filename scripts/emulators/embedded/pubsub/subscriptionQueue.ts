import { status } from '@grpc/grpc-js';
import { RpcError } from '../rpcError';
import type { Duration, PubsubMessage, ReceivedMessage, Subscription } from './wireTypes';

/**
 * One subscription's undelivered and outstanding messages: at-least-once delivery with leases
 * (ack deadlines), nack / expiry redelivery with the retry policy's exponential backoff, and
 * dead-lettering after `maxDeliveryAttempts`. Push, streaming pull and pull all lease from here.
 */
export interface Consumer {
  /** 0: no limit (flow control off). */
  maxOutstandingMessages: number;
  outstanding: number;
  ackDeadlineSeconds: number;
  deliver(messages: ReceivedMessage[]): void;
}

interface Lease {
  ackId: string;
  deadlineMs: number;
  consumer: Consumer | undefined;
}

interface PendingMessage {
  sequence: number;
  message: PubsubMessage;
  deliveryAttempts: number;
  availableAtMs: number;
  lease: Lease | undefined;
}

type Failure = 'nack' | 'expired' | 'pushFailed';

export interface QueueHooks {
  push(config: Subscription, message: PubsubMessage, timeoutMs: number): Promise<boolean>;
  deadLetter(config: Subscription, message: PubsubMessage, deliveryAttempts: number): void;
}

/** Without a retry policy: the official emulator re-pushes a failed push about once a second and redelivers a nack after ~150 ms. */
const PUSH_RETRY_DELAY_MS = 1000;
const NACK_REDELIVERY_DELAY_MS = 100;
/** Retry policy defaults of the service when the policy leaves a bound unset. */
const DEFAULT_MIN_BACKOFF_MS = 10_000;
const DEFAULT_MAX_BACKOFF_MS = 600_000;
const MAX_PUSHES_IN_FLIGHT = 64;
/** Unacknowledged messages kept per subscription; publishing beyond it fails instead of eating memory. */
export const MAX_BACKLOG_MESSAGES = 100_000;
const MAX_ACK_DEADLINE_SECONDS = 600;

export const DEFAULT_ACK_DEADLINE_SECONDS = 10;

function durationMs(duration: Duration | undefined, fallbackMs: number): number {
  if (!duration) return fallbackMs;
  return Number(duration.seconds ?? 0) * 1000 + Math.floor((duration.nanos ?? 0) / 1e6);
}

export class SubscriptionQueue {
  private readonly pending = new Map<number, PendingMessage>();
  private readonly leases = new Map<string, PendingMessage>();
  private readonly consumers = new Set<Consumer>();
  private readonly pullWaiters = new Set<() => void>();
  private nextSequence = 1;
  private nextAckNumber = 1;
  private pushesInFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;
  private closed = false;

  constructor(
    public config: Subscription,
    private readonly hooks: QueueHooks,
  ) {}

  get name(): string {
    return this.config.name ?? '';
  }

  get backlogSize(): number {
    return this.pending.size;
  }

  /** The broker checks MAX_BACKLOG_MESSAGES for all subscriptions before it enqueues anywhere. */
  enqueue(message: PubsubMessage): void {
    const sequence = this.nextSequence++;
    this.pending.set(sequence, { sequence, message, deliveryAttempts: 0, availableAtMs: 0, lease: undefined });
    this.schedulePump();
  }

  acknowledge(ackIds: string[]): void {
    for (const ackId of ackIds) {
      const message = this.leases.get(ackId);
      if (!message) continue; // late or repeated ack of a redelivered message: at-least-once allows it
      this.endLease(message);
      this.pending.delete(message.sequence);
    }
    this.schedulePump();
  }

  modifyAckDeadline(ackIds: string[], seconds: number): void {
    if (seconds < 0 || seconds > MAX_ACK_DEADLINE_SECONDS) {
      throw new RpcError(status.INVALID_ARGUMENT, `Invalid ack deadline given: ${seconds} (must be 0..${MAX_ACK_DEADLINE_SECONDS})`);
    }
    const nowMs = Date.now();
    for (const ackId of ackIds) {
      const message = this.leases.get(ackId);
      if (!message?.lease) continue;
      if (seconds === 0) this.fail(message, 'nack', nowMs);
      else message.lease.deadlineMs = nowMs + seconds * 1000;
    }
    this.schedulePump();
  }

  /** Leases up to `maxMessages` available messages for a unary Pull. */
  take(maxMessages: number): ReceivedMessage[] {
    const nowMs = Date.now();
    const taken: ReceivedMessage[] = [];
    for (const message of this.pending.values()) {
      if (taken.length >= maxMessages) break;
      if (this.isAvailable(message, nowMs)) taken.push(this.lease(message, this.ackDeadlineSeconds(), undefined, nowMs));
    }
    if (taken.length > 0) this.schedulePump();
    return taken;
  }

  /** Resolves when messages may be available or after `timeoutMs`. */
  waitForMessages(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pullWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.pullWaiters.add(done);
      this.schedulePump();
    });
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.add(consumer);
    this.schedulePump();
  }

  /** A closed stream's leases stay until their deadline, as in the service; its client nacks what it did not process. */
  removeConsumer(consumer: Consumer): void {
    this.consumers.delete(consumer);
  }

  consumerChanged(): void {
    this.schedulePump();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const wake of this.pullWaiters) wake();
    this.consumers.clear();
  }

  private ackDeadlineSeconds(): number {
    return this.config.ackDeadlineSeconds || DEFAULT_ACK_DEADLINE_SECONDS;
  }

  private isAvailable(message: PendingMessage, nowMs: number): boolean {
    return !message.lease && message.availableAtMs <= nowMs;
  }

  private lease(message: PendingMessage, ackDeadlineSeconds: number, consumer: Consumer | undefined, nowMs: number): ReceivedMessage {
    const ackId = `${this.name}:${this.nextAckNumber++}`;
    message.deliveryAttempts++;
    message.lease = { ackId, deadlineMs: nowMs + ackDeadlineSeconds * 1000, consumer };
    this.leases.set(ackId, message);
    if (consumer) consumer.outstanding++;
    const received: ReceivedMessage = { ackId, message: message.message };
    // Like the service, the attempt count is only reported when a dead-letter policy counts attempts.
    if (this.config.deadLetterPolicy) received.deliveryAttempt = message.deliveryAttempts;
    return received;
  }

  private endLease(message: PendingMessage): void {
    if (!message.lease) return;
    this.leases.delete(message.lease.ackId);
    if (message.lease.consumer) message.lease.consumer.outstanding--;
    message.lease = undefined;
  }

  private redeliveryDelayMs(failure: Failure, deliveryAttempts: number): number {
    const policy = this.config.retryPolicy;
    if (policy) {
      const minimumMs = durationMs(policy.minimumBackoff, DEFAULT_MIN_BACKOFF_MS);
      const maximumMs = durationMs(policy.maximumBackoff, DEFAULT_MAX_BACKOFF_MS);
      return Math.min(maximumMs, minimumMs * 2 ** Math.max(0, deliveryAttempts - 1));
    }
    if (failure === 'pushFailed') return PUSH_RETRY_DELAY_MS;
    if (failure === 'nack') return NACK_REDELIVERY_DELAY_MS;
    return 0;
  }

  private fail(message: PendingMessage, failure: Failure, nowMs: number): void {
    this.endLease(message);
    const maxAttempts = this.config.deadLetterPolicy?.maxDeliveryAttempts;
    if (this.config.deadLetterPolicy && maxAttempts && message.deliveryAttempts >= maxAttempts) {
      this.pending.delete(message.sequence);
      this.hooks.deadLetter(this.config, message.message, message.deliveryAttempts);
      return;
    }
    message.availableAtMs = nowMs + this.redeliveryDelayMs(failure, message.deliveryAttempts);
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed) return;
    const nowMs = Date.now();
    for (const message of this.pending.values()) {
      if (message.lease && message.lease.deadlineMs <= nowMs) this.fail(message, 'expired', nowMs);
    }
    if (this.config.pushConfig?.pushEndpoint) this.dispatchPushes(nowMs);
    else this.dispatchToConsumers(nowMs);
    this.armTimer(nowMs);
  }

  private dispatchPushes(nowMs: number): void {
    for (const message of this.pending.values()) {
      if (this.pushesInFlight >= MAX_PUSHES_IN_FLIGHT) break;
      if (!this.isAvailable(message, nowMs)) continue;
      const deadlineSeconds = this.ackDeadlineSeconds();
      const { ackId } = this.lease(message, deadlineSeconds, undefined, nowMs);
      this.pushesInFlight++;
      this.hooks
        .push(this.config, message.message, deadlineSeconds * 1000)
        .catch(() => false)
        .then((acknowledged) => {
          this.pushesInFlight--;
          // The lease may have expired (and been redelivered) while the endpoint was busy.
          if (message.lease?.ackId === ackId) {
            if (acknowledged) {
              this.endLease(message);
              this.pending.delete(message.sequence);
            } else {
              this.fail(message, 'pushFailed', Date.now());
            }
          }
          this.schedulePump();
        });
    }
  }

  private dispatchToConsumers(nowMs: number): void {
    const consumers = [...this.consumers];
    const batches = new Map<Consumer, ReceivedMessage[]>();
    let next = 0;
    let availableLeft = false;
    for (const message of this.pending.values()) {
      if (!this.isAvailable(message, nowMs)) continue;
      let chosen: Consumer | undefined;
      for (let tried = 0; tried < consumers.length && !chosen; tried++) {
        const candidate = consumers[(next + tried) % consumers.length]!;
        if (candidate.maxOutstandingMessages <= 0 || candidate.outstanding < candidate.maxOutstandingMessages) {
          chosen = candidate;
          next = (next + tried + 1) % consumers.length;
        }
      }
      if (!chosen) {
        availableLeft = true;
        break;
      }
      const batch = batches.get(chosen) ?? [];
      batch.push(this.lease(message, chosen.ackDeadlineSeconds, chosen, nowMs));
      batches.set(chosen, batch);
    }
    for (const [consumer, batch] of batches) consumer.deliver(batch);
    if (availableLeft) for (const wake of [...this.pullWaiters]) wake();
  }

  private armTimer(nowMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let wakeAtMs = Infinity;
    for (const message of this.pending.values()) {
      const at = message.lease ? message.lease.deadlineMs : message.availableAtMs > nowMs ? message.availableAtMs : Infinity;
      if (at < wakeAtMs) wakeAtMs = at;
    }
    if (wakeAtMs === Infinity) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, wakeAtMs - nowMs));
  }
}
