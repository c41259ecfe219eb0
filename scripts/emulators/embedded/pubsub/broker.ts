import { status } from '@grpc/grpc-js';
import { invalidArgument, RpcError } from '../rpcError';
import { DELETED_TOPIC, parseResourceName } from './names';
import { publishTimeIso, pushMessage } from './pushDelivery';
import { DEFAULT_ACK_DEADLINE_SECONDS, MAX_BACKLOG_MESSAGES, SubscriptionQueue } from './subscriptionQueue';
import type { PubsubMessage, PushConfig, Subscription, Topic } from './wireTypes';

/** Topics, subscriptions and fan-out of published messages; all state lives in memory. */
const DEFAULT_RETENTION = { seconds: '604800', nanos: 0 };
const MAX_ACK_DEADLINE_SECONDS = 600;
const DEFAULT_MAX_DELIVERY_ATTEMPTS = 5;
const MIN_DELIVERY_ATTEMPTS = 5;
const MAX_DELIVERY_ATTEMPTS = 100;

function notFound(kind: 'Topic' | 'Subscription', name: string): RpcError {
  return new RpcError(status.NOT_FOUND, `${kind} not found (resource=${name}).`);
}

function snakeToCamel(path: string): string {
  return path.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

export class PubsubBroker {
  private readonly topics = new Map<string, { config: Topic; subscriptions: Set<string> }>();
  private readonly subscriptions = new Map<string, SubscriptionQueue>();
  private nextMessageId = 1;

  createTopic(request: Topic): Topic {
    const name = request.name ?? '';
    parseResourceName(name, 'topics');
    if (this.topics.has(name)) throw new RpcError(status.ALREADY_EXISTS, `Topic already exists (resource=${name}).`);
    const config: Topic = { ...request, name, labels: request.labels ?? {} };
    this.topics.set(name, { config, subscriptions: new Set() });
    return config;
  }

  getTopic(name: string | undefined): Topic {
    return this.topicState(name).config;
  }

  updateTopic(request: Topic, paths: string[]): Topic {
    const state = this.topicState(request.name);
    for (const path of paths) {
      const field = snakeToCamel(path);
      if (field === 'name') continue;
      if (request[field] === undefined) delete state.config[field];
      else state.config[field] = request[field];
    }
    return state.config;
  }

  listTopics(project: string): Topic[] {
    return [...this.topics.values()].map((state) => state.config).filter((topic) => topic.name?.startsWith(`projects/${project}/topics/`)).sort(byName);
  }

  listTopicSubscriptions(topicName: string | undefined): string[] {
    return [...this.topicState(topicName).subscriptions].sort();
  }

  deleteTopic(name: string | undefined): void {
    const state = this.topicState(name);
    for (const subscriptionName of state.subscriptions) {
      const queue = this.subscriptions.get(subscriptionName);
      if (queue) queue.config.topic = DELETED_TOPIC;
    }
    this.topics.delete(name!);
  }

  publish(topicName: string | undefined, messages: PubsubMessage[]): string[] {
    const state = this.topicState(topicName);
    if (messages.length === 0) throw invalidArgument('The request contains no messages.');
    const queues = [...state.subscriptions].map((name) => this.subscriptions.get(name)).filter((queue): queue is SubscriptionQueue => queue !== undefined);
    for (const incoming of messages) {
      if (Buffer.from(incoming.data ?? []).length === 0 && Object.keys(incoming.attributes ?? {}).length === 0) {
        throw invalidArgument('Some messages contain no data and no attribute field.');
      }
    }
    // All or nothing: a full subscription fails the whole request before anything is enqueued.
    for (const queue of queues) {
      if (queue.backlogSize + messages.length > MAX_BACKLOG_MESSAGES) {
        throw new RpcError(status.RESOURCE_EXHAUSTED, `${queue.name} already holds ${queue.backlogSize} unacknowledged messages (limit ${MAX_BACKLOG_MESSAGES}).`);
      }
    }
    return messages.map((incoming) => {
      const nowMs = Date.now();
      const message: PubsubMessage = {
        data: Buffer.from(incoming.data ?? []),
        attributes: incoming.attributes ?? {},
        messageId: String(this.nextMessageId++),
        publishTime: { seconds: String(Math.floor(nowMs / 1000)), nanos: (nowMs % 1000) * 1e6 },
        orderingKey: incoming.orderingKey ?? '',
      };
      for (const queue of queues) queue.enqueue(message);
      return message.messageId!;
    });
  }

  createSubscription(request: Subscription): Subscription {
    const name = request.name ?? '';
    parseResourceName(name, 'subscriptions');
    const topicState = this.topicState(request.topic);
    if (this.subscriptions.has(name)) throw new RpcError(status.ALREADY_EXISTS, `Subscription already exists (resource=${name}).`);
    const config = this.validated({
      ...request,
      name,
      pushConfig: request.pushConfig ? { attributes: {}, ...request.pushConfig } : {},
      ackDeadlineSeconds: request.ackDeadlineSeconds || DEFAULT_ACK_DEADLINE_SECONDS,
      retainAckedMessages: request.retainAckedMessages ?? false,
      messageRetentionDuration: request.messageRetentionDuration ?? DEFAULT_RETENTION,
      labels: request.labels ?? {},
      enableMessageOrdering: request.enableMessageOrdering ?? false,
      filter: request.filter ?? '',
      detached: false,
      enableExactlyOnceDelivery: request.enableExactlyOnceDelivery ?? false,
    });
    const queue = new SubscriptionQueue(config, {
      push: (subscription, message, timeoutMs) => pushMessage(subscription.name ?? '', subscription.pushConfig ?? {}, message, timeoutMs),
      deadLetter: (subscription, message, attempts) => this.deadLetter(subscription, message, attempts),
    });
    this.subscriptions.set(name, queue);
    topicState.subscriptions.add(name);
    return config;
  }

  getSubscription(name: string | undefined): Subscription {
    return this.queue(name).config;
  }

  updateSubscription(request: Subscription, paths: string[]): Subscription {
    const queue = this.queue(request.name);
    const updated: Subscription = { ...queue.config };
    for (const path of paths) {
      const field = snakeToCamel(path.split('.')[0]!);
      if (field === 'name' || field === 'topic') throw invalidArgument(`${path} cannot be updated`);
      if (request[field] === undefined) delete updated[field];
      else updated[field] = request[field];
    }
    queue.config = this.validated(updated);
    queue.consumerChanged();
    return queue.config;
  }

  listSubscriptions(project: string): Subscription[] {
    return [...this.subscriptions.values()].map((queue) => queue.config).filter((subscription) => subscription.name?.startsWith(`projects/${project}/subscriptions/`)).sort(byName);
  }

  deleteSubscription(name: string | undefined): void {
    const queue = this.queue(name);
    queue.close();
    this.subscriptions.delete(name!);
    this.topics.get(queue.config.topic ?? '')?.subscriptions.delete(name!);
  }

  detachSubscription(name: string | undefined): void {
    const queue = this.queue(name);
    this.topics.get(queue.config.topic ?? '')?.subscriptions.delete(name!);
    queue.config = { ...queue.config, detached: true };
  }

  modifyPushConfig(name: string | undefined, pushConfig: PushConfig | undefined): void {
    const queue = this.queue(name);
    queue.config = this.validated({ ...queue.config, pushConfig: pushConfig?.pushEndpoint ? { attributes: {}, ...pushConfig } : {} });
    queue.consumerChanged();
  }

  queue(name: string | undefined): SubscriptionQueue {
    parseResourceName(name, 'subscriptions');
    const queue = this.subscriptions.get(name!);
    if (!queue) throw notFound('Subscription', name!);
    return queue;
  }

  close(): void {
    for (const queue of this.subscriptions.values()) queue.close();
  }

  private topicState(name: string | undefined): { config: Topic; subscriptions: Set<string> } {
    parseResourceName(name, 'topics');
    const state = this.topics.get(name!);
    if (!state) throw notFound('Topic', name!);
    return state;
  }

  private validated(config: Subscription): Subscription {
    // The official emulator stores any deadline up to 600 s (production's minimum is 10 s).
    const deadline = config.ackDeadlineSeconds ?? DEFAULT_ACK_DEADLINE_SECONDS;
    if (deadline < 1 || deadline > MAX_ACK_DEADLINE_SECONDS) throw invalidArgument('ack_deadline_secs out of bounds');
    if (config.filter) throw new RpcError(status.UNIMPLEMENTED, 'Subscription filters are not supported by the embedded Pub/Sub emulator.');
    const pushEndpoint = config.pushConfig?.pushEndpoint;
    if (pushEndpoint && !/^https?:\/\//.test(pushEndpoint)) throw invalidArgument(`Invalid push endpoint given (endpoint=${pushEndpoint}).`);
    const deadLetter = config.deadLetterPolicy;
    if (deadLetter) {
      parseResourceName(deadLetter.deadLetterTopic, 'topics');
      const attempts = deadLetter.maxDeliveryAttempts || DEFAULT_MAX_DELIVERY_ATTEMPTS;
      if (attempts < MIN_DELIVERY_ATTEMPTS || attempts > MAX_DELIVERY_ATTEMPTS) {
        const bound = attempts < MIN_DELIVERY_ATTEMPTS ? `too small. You passed ${attempts} in the request, but the minimum value is ${MIN_DELIVERY_ATTEMPTS}` : `too large. You passed ${attempts} in the request, but the maximum value is ${MAX_DELIVERY_ATTEMPTS}`;
        throw new RpcError(status.OUT_OF_RANGE, `The value for max_delivery_attempts is ${bound}.`);
      }
      config.deadLetterPolicy = { ...deadLetter, maxDeliveryAttempts: attempts };
    }
    return config;
  }

  /** Moves a message that exhausted its attempts to the dead-letter topic, with the attributes the service adds. */
  private deadLetter(subscription: Subscription, message: PubsubMessage, deliveryAttempts: number): void {
    const topicName = subscription.deadLetterPolicy?.deadLetterTopic;
    if (!topicName || !this.topics.has(topicName)) return;
    const { project, id } = parseResourceName(subscription.name, 'subscriptions');
    this.publish(topicName, [
      {
        data: message.data ?? Buffer.alloc(0),
        orderingKey: message.orderingKey ?? '',
        attributes: {
          ...(message.attributes ?? {}),
          CloudPubSubDeadLetterSourceDeliveryCount: String(deliveryAttempts),
          CloudPubSubDeadLetterSourceSubscription: id,
          CloudPubSubDeadLetterSourceSubscriptionProject: project,
          CloudPubSubDeadLetterSourceTopicPublishTime: publishTimeIso(message.publishTime),
        },
      },
    ]);
  }
}

function byName(left: { name?: string }, right: { name?: string }): number {
  return (left.name ?? '') < (right.name ?? '') ? -1 : (left.name ?? '') > (right.name ?? '') ? 1 : 0;
}
