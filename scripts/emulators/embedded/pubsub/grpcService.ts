import { Metadata, status, type ServerDuplexStream, type ServerUnaryCall, type sendUnaryData, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { RpcError, toServiceError } from '../rpcError';
import type { PubsubBroker } from './broker';
import { parseProjectName } from './names';
import type { Consumer, SubscriptionQueue } from './subscriptionQueue';
import type { PubsubMessage, PushConfig, ReceivedMessage, Subscription, Topic } from './wireTypes';

/** google.pubsub.v1 Publisher and Subscriber handlers over the broker. */
type Request = {
  name?: string;
  topic?: string | Topic;
  subscription?: string | Subscription;
  project?: string;
  messages?: PubsubMessage[];
  updateMask?: { paths?: string[] };
  pushConfig?: PushConfig;
  ackIds?: string[];
  ackDeadlineSeconds?: number;
  maxMessages?: number;
  returnImmediately?: boolean;
  pageSize?: number;
  pageToken?: string;
} & Subscription;

interface StreamingPullRequest {
  subscription?: string;
  ackIds?: string[];
  modifyDeadlineSeconds?: number[];
  modifyDeadlineAckIds?: string[];
  streamAckDeadlineSeconds?: number;
  maxOutstandingMessages?: string | number;
}

type Unary = (call: ServerUnaryCall<Request, unknown>, callback: sendUnaryData<unknown>) => void;

/** A Pull without `returnImmediately` waits at most this long for messages, then answers empty. */
const MAX_PULL_WAIT_MS = 10_000;
const UNSUPPORTED = 'is not supported by the embedded Pub/Sub emulator; run the official one (REELGUARD_EMULATORS=official) where you need it';

function unary(handler: (request: Request, call: ServerUnaryCall<Request, unknown>) => Promise<unknown> | unknown): Unary {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handler(call.request, call))
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServiceError(error)),
      );
  };
}

function unsupported(what: string): Unary {
  return unary(() => {
    throw new RpcError(status.UNIMPLEMENTED, `${what} ${UNSUPPORTED}`);
  });
}

/** Pages of a sorted listing; the token is the last name already returned. */
function page<T>(items: T[], nameOf: (item: T) => string, pageSize: number | undefined, pageToken: string | undefined): { items: T[]; nextPageToken: string } {
  const start = pageToken ? items.findIndex((item) => nameOf(item) > pageToken) : 0;
  const remaining = start < 0 ? [] : items.slice(start);
  if (!pageSize || pageSize <= 0 || remaining.length <= pageSize) return { items: remaining, nextPageToken: '' };
  const pageItems = remaining.slice(0, pageSize);
  return { items: pageItems, nextPageToken: nameOf(pageItems[pageItems.length - 1]!) };
}

function deadlineMs(call: ServerUnaryCall<Request, unknown>): number {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(at) && at > 0 ? at : Infinity;
}

function streamingPull(broker: PubsubBroker) {
  return (call: ServerDuplexStream<StreamingPullRequest, unknown>) => {
    // Headers first, so the client sees the stream as established even before messages flow.
    call.sendMetadata(new Metadata());
    let queue: SubscriptionQueue | undefined;
    let consumer: Consumer | undefined;
    let ended = false;
    const finish = (error?: unknown) => {
      if (ended) return;
      ended = true;
      if (queue && consumer) queue.removeConsumer(consumer);
      if (error) call.emit('error', toServiceError(error));
      else call.end();
    };
    call.on('data', (request: StreamingPullRequest) => {
      try {
        if (!queue) {
          queue = broker.queue(request.subscription);
          const maxOutstanding = Number(request.maxOutstandingMessages ?? 0);
          consumer = {
            maxOutstandingMessages: Number.isFinite(maxOutstanding) ? maxOutstanding : 0,
            outstanding: 0,
            ackDeadlineSeconds: request.streamAckDeadlineSeconds || queue.config.ackDeadlineSeconds || 10,
            deliver: (receivedMessages: ReceivedMessage[]) => {
              if (!ended && !call.cancelled) call.write({ receivedMessages });
            },
          };
          queue.addConsumer(consumer);
        } else if (request.streamAckDeadlineSeconds && consumer) {
          consumer.ackDeadlineSeconds = request.streamAckDeadlineSeconds;
        }
        if (request.ackIds?.length) queue.acknowledge(request.ackIds);
        const modifyIds = request.modifyDeadlineAckIds ?? [];
        modifyIds.forEach((ackId, index) => queue!.modifyAckDeadline([ackId], request.modifyDeadlineSeconds?.[index] ?? 0));
        const isKeepAlive = !request.subscription && !request.ackIds?.length && modifyIds.length === 0 && !request.streamAckDeadlineSeconds;
        // Clients with protocolVersion 1 drop a stream that does not answer their keepalive within 15 s.
        if (isKeepAlive && !ended) call.write({});
      } catch (error) {
        finish(error);
      }
    });
    call.on('end', () => finish());
    call.on('cancelled', () => finish());
    call.on('error', () => finish());
  };
}

export function publisherHandlers(broker: PubsubBroker): UntypedServiceImplementation {
  const handlers: Record<string, Unary> = {
    CreateTopic: unary((request) => broker.createTopic(request as Topic)),
    UpdateTopic: unary((request) => broker.updateTopic((request.topic ?? {}) as Topic, request.updateMask?.paths ?? [])),
    Publish: unary((request) => ({ messageIds: broker.publish(request.topic as string, request.messages ?? []) })),
    GetTopic: unary((request) => broker.getTopic(request.topic as string)),
    ListTopics: unary((request) => {
      const { items, nextPageToken } = page(broker.listTopics(parseProjectName(request.project)), (topic) => topic.name ?? '', request.pageSize, request.pageToken);
      return { topics: items, nextPageToken };
    }),
    ListTopicSubscriptions: unary((request) => {
      const { items, nextPageToken } = page(broker.listTopicSubscriptions(request.topic as string), (name) => name, request.pageSize, request.pageToken);
      return { subscriptions: items, nextPageToken };
    }),
    ListTopicSnapshots: unary(() => ({ snapshots: [], nextPageToken: '' })),
    DeleteTopic: unary((request) => {
      broker.deleteTopic(request.topic as string);
      return {};
    }),
    DetachSubscription: unary((request) => {
      broker.detachSubscription(request.subscription as string);
      return {};
    }),
  };
  return handlers as UntypedServiceImplementation;
}

export function subscriberHandlers(broker: PubsubBroker): UntypedServiceImplementation {
  const handlers: Record<string, Unary | ReturnType<typeof streamingPull>> = {
    CreateSubscription: unary((request) => broker.createSubscription(request as Subscription)),
    GetSubscription: unary((request) => broker.getSubscription(request.subscription as string)),
    UpdateSubscription: unary((request) => broker.updateSubscription((request.subscription ?? {}) as Subscription, request.updateMask?.paths ?? [])),
    ListSubscriptions: unary((request) => {
      const { items, nextPageToken } = page(broker.listSubscriptions(parseProjectName(request.project)), (subscription) => subscription.name ?? '', request.pageSize, request.pageToken);
      return { subscriptions: items, nextPageToken };
    }),
    DeleteSubscription: unary((request) => {
      broker.deleteSubscription(request.subscription as string);
      return {};
    }),
    ModifyAckDeadline: unary((request) => {
      broker.queue(request.subscription as string).modifyAckDeadline(request.ackIds ?? [], request.ackDeadlineSeconds ?? 0);
      return {};
    }),
    Acknowledge: unary((request) => {
      broker.queue(request.subscription as string).acknowledge(request.ackIds ?? []);
      return {};
    }),
    Pull: unary(async (request, call) => {
      const queue = broker.queue(request.subscription as string);
      const maxMessages = request.maxMessages && request.maxMessages > 0 ? request.maxMessages : 1000;
      const giveUpAtMs = Math.min(Date.now() + MAX_PULL_WAIT_MS, deadlineMs(call) - 200);
      let receivedMessages = queue.take(maxMessages);
      while (receivedMessages.length === 0 && !request.returnImmediately && !call.cancelled && Date.now() < giveUpAtMs) {
        await queue.waitForMessages(giveUpAtMs - Date.now());
        receivedMessages = queue.take(maxMessages);
      }
      return { receivedMessages };
    }),
    StreamingPull: streamingPull(broker),
    ModifyPushConfig: unary((request) => {
      broker.modifyPushConfig(request.subscription as string, request.pushConfig);
      return {};
    }),
    ListSnapshots: unary(() => ({ snapshots: [], nextPageToken: '' })),
    GetSnapshot: unsupported('Snapshots'),
    CreateSnapshot: unsupported('Snapshots'),
    UpdateSnapshot: unsupported('Snapshots'),
    DeleteSnapshot: unsupported('Snapshots'),
    Seek: unsupported('Seek'),
  };
  return handlers as UntypedServiceImplementation;
}
