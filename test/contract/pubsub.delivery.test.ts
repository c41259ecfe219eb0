import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { credentials } from '@grpc/grpc-js';
import { v1, type Message, type PubSub, type Subscription } from '@google-cloud/pubsub';
import { contractBackends, useBackend } from './backends';

/**
 * At-least-once delivery as the functions see it: push with redelivery and dead-lettering, and
 * pull / streaming pull with ack, nack and deadlines — identical on every backend.
 */
interface PushRequest {
  body: { message: { data: string; attributes: Record<string, string>; messageId: string; publishTime: string }; subscription: string };
  atMs: number;
}

interface PushEndpoint {
  url: string;
  requests: PushRequest[];
  close(): Promise<void>;
}

/** A local push endpoint that answers each request with the status `respond` picks. */
async function pushEndpoint(respond: (attempt: number) => number): Promise<PushEndpoint> {
  const requests: PushRequest[] = [];
  const server = http.createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      requests.push({ body: JSON.parse(raw) as PushRequest['body'], atMs: Date.now() });
      response.writeHead(respond(requests.length)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.each(contractBackends())('Pub/Sub delivery on the %s emulator', (backendName) => {
  const backend = useBackend(backendName);
  let pubsub: PubSub;
  let counter = 0;
  const endpoints: PushEndpoint[] = [];
  const subscriptions: Subscription[] = [];
  const unique = (prefix: string) => `${prefix}-${backendName}-${++counter}`;

  beforeAll(() => {
    pubsub = backend.pubsub('delivery');
  });
  afterAll(async () => {
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
    await Promise.all(endpoints.map((endpoint) => endpoint.close()));
  });

  async function endpoint(respond: (attempt: number) => number): Promise<PushEndpoint> {
    const created = await pushEndpoint(respond);
    endpoints.push(created);
    return created;
  }

  function subscriberClient(): v1.SubscriberClient {
    const [host, port] = backend.emulators.pubsubHost.split(':');
    return new v1.SubscriberClient({ servicePath: host, port: Number(port), sslCreds: credentials.createInsecure(), projectId: pubsub.projectId });
  }

  it('pushes the wrapped message once when the endpoint answers 204', async () => {
    const push = await endpoint(() => 204);
    const [topic] = await pubsub.createTopic(unique('push-ok'));
    const [subscription] = await topic.createSubscription(unique('push-ok-sub'), { pushConfig: { pushEndpoint: push.url } });
    const messageId = await topic.publishMessage({ json: { generationId: 'g1' }, attributes: { kind: 'test' } });

    await waitFor('the push', () => push.requests.length === 1);
    await sleep(2500);

    expect(push.requests).toHaveLength(1);
    const { body } = push.requests[0]!;
    expect(body.subscription).toBe(subscription.name);
    expect(body.message.messageId).toBe(messageId);
    expect(body.message.attributes).toEqual({ kind: 'test' });
    expect(JSON.parse(Buffer.from(body.message.data, 'base64').toString('utf8'))).toEqual({ generationId: 'g1' });
    expect(Number.isNaN(Date.parse(body.message.publishTime))).toBe(false);
  });

  it('redelivers a failed push: 500 then 204 means delivered twice and acknowledged once', async () => {
    const push = await endpoint((attempt) => (attempt === 1 ? 500 : 204));
    const [topic] = await pubsub.createTopic(unique('push-retry'));
    await topic.createSubscription(unique('push-retry-sub'), { pushConfig: { pushEndpoint: push.url } });
    const messageId = await topic.publishMessage({ json: { n: 1 } });

    await waitFor('the redelivery', () => push.requests.length === 2);
    await sleep(3000);

    expect(push.requests.map((request) => request.body.message.messageId)).toEqual([messageId, messageId]);
  });

  it('dead-letters a message after maxDeliveryAttempts failed pushes, with the source attributes', async () => {
    const push = await endpoint(() => 500);
    const [deadLetterTopic] = await pubsub.createTopic(unique('dead'));
    const [deadLetters] = await deadLetterTopic.createSubscription(unique('dead-sub'));
    subscriptions.push(deadLetters);
    const dead: Message[] = [];
    deadLetters.on('message', (message: Message) => {
      dead.push(message);
      message.ack();
    });
    const [topic] = await pubsub.createTopic(unique('doomed'));
    const [subscription] = await topic.createSubscription(unique('doomed-sub'), {
      pushConfig: { pushEndpoint: push.url },
      deadLetterPolicy: { deadLetterTopic: deadLetterTopic.name, maxDeliveryAttempts: 5 },
      retryPolicy: { minimumBackoff: { seconds: 1 }, maximumBackoff: { seconds: 1 } },
    });
    await topic.publishMessage({ data: Buffer.from('poison'), attributes: { origin: 'test' } });

    await waitFor('the dead letter', () => dead.length === 1, 50_000);
    await sleep(2500);

    expect(push.requests).toHaveLength(5);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.data.toString('utf8')).toBe('poison');
    expect(dead[0]!.attributes).toMatchObject({
      origin: 'test',
      CloudPubSubDeadLetterSourceDeliveryCount: '5',
      CloudPubSubDeadLetterSourceSubscription: subscription.name.split('/').pop(),
    });
  }, 60_000);

  it('streaming pull: a nacked message comes back, an acked one does not', async () => {
    const [topic] = await pubsub.createTopic(unique('stream'));
    const [subscription] = await topic.createSubscription(unique('stream-sub'), {
      deadLetterPolicy: { deadLetterTopic: topic.name, maxDeliveryAttempts: 10 },
    });
    subscriptions.push(subscription);
    const deliveries: { id: string; attempt: number }[] = [];
    subscription.on('message', (message: Message) => {
      deliveries.push({ id: message.id, attempt: message.deliveryAttempt });
      if (deliveries.length === 1) message.nack();
      else message.ack();
    });
    const messageId = await topic.publishMessage({ json: { n: 1 } });

    await waitFor('the redelivery', () => deliveries.length === 2);
    await sleep(2000);

    expect(deliveries).toEqual([
      { id: messageId, attempt: 1 },
      { id: messageId, attempt: 2 },
    ]);
  });

  it('streaming pull delivers every message of a burst exactly once when each is acked', async () => {
    const [topic] = await pubsub.createTopic(unique('burst'));
    const [subscription] = await topic.createSubscription(unique('burst-sub'));
    subscriptions.push(subscription);
    const seen = new Map<string, number>();
    subscription.on('message', (message: Message) => {
      seen.set(message.id, (seen.get(message.id) ?? 0) + 1);
      message.ack();
    });
    const ids = await Promise.all(Array.from({ length: 100 }, (_unused, i) => topic.publishMessage({ json: { i } })));

    await waitFor('all messages', () => seen.size === 100);
    await sleep(1500);

    expect([...seen.keys()].sort()).toEqual([...ids].sort());
    expect([...seen.values()].every((count) => count === 1)).toBe(true);
  });

  it('pull: modifyAckDeadline 0 redelivers, an expired deadline redelivers, acknowledge removes', async () => {
    const [topic] = await pubsub.createTopic(unique('pull'));
    const [subscription] = await topic.createSubscription(unique('pull-sub'));
    const client = subscriberClient();
    const pullOne = async () => {
      for (let attempt = 0; attempt < 50; attempt++) {
        const [response] = await client.pull({ subscription: subscription.name, maxMessages: 10, returnImmediately: true });
        if (response.receivedMessages?.length) return response.receivedMessages;
        await sleep(100);
      }
      throw new Error('no message pulled');
    };
    try {
      const messageId = await topic.publishMessage({ json: { n: 1 } });

      const [first] = await pullOne();
      expect(first!.message!.messageId).toBe(messageId);
      await client.modifyAckDeadline({ subscription: subscription.name, ackIds: [first!.ackId!], ackDeadlineSeconds: 0 });

      const [second] = await pullOne();
      expect(second!.message!.messageId).toBe(messageId);
      await client.modifyAckDeadline({ subscription: subscription.name, ackIds: [second!.ackId!], ackDeadlineSeconds: 1 });

      const [third] = await pullOne();
      expect(third!.message!.messageId).toBe(messageId);
      await client.acknowledge({ subscription: subscription.name, ackIds: [third!.ackId!] });

      await sleep(2000);
      const [after] = await client.pull({ subscription: subscription.name, maxMessages: 10, returnImmediately: true });
      expect(after.receivedMessages ?? []).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('fans out to every subscription that existed when the message was published', async () => {
    const [topic] = await pubsub.createTopic(unique('fanout'));
    const pushA = await endpoint(() => 204);
    const pushB = await endpoint(() => 204);
    await topic.createSubscription(unique('fanout-a'), { pushConfig: { pushEndpoint: pushA.url } });
    const early = await topic.publishMessage({ json: { n: 1 } });
    await topic.createSubscription(unique('fanout-b'), { pushConfig: { pushEndpoint: pushB.url } });
    const late = await topic.publishMessage({ json: { n: 2 } });

    await waitFor('both pushes to A', () => pushA.requests.length === 2);
    await waitFor('the push to B', () => pushB.requests.length === 1);
    await sleep(1000);

    expect(pushA.requests.map((request) => request.body.message.messageId).sort()).toEqual([early, late].sort());
    expect(pushB.requests.map((request) => request.body.message.messageId)).toEqual([late]);
  });

  it('modifyPushConfig turns a pull subscription into a push subscription', async () => {
    const push = await endpoint(() => 204);
    const [topic] = await pubsub.createTopic(unique('switch'));
    const [subscription] = await topic.createSubscription(unique('switch-sub'));
    await subscription.modifyPushConfig({ pushEndpoint: push.url });
    const messageId = await topic.publishMessage({ json: { n: 1 } });

    await waitFor('the push', () => push.requests.length === 1);
    expect(push.requests[0]!.body.message.messageId).toBe(messageId);
  });

  it('manages topics and subscriptions like the service', async () => {
    const name = unique('admin');
    const [topic] = await pubsub.createTopic(name);
    await expect(pubsub.createTopic(name)).rejects.toMatchObject({ code: 6 });
    await expect(pubsub.topic(unique('missing')).publishMessage({ json: {} })).rejects.toMatchObject({ code: 5 });
    expect((await pubsub.topic(unique('missing')).exists())[0]).toBe(false);

    const [subscription] = await topic.createSubscription(unique('admin-sub'), {
      ackDeadlineSeconds: 30,
      retryPolicy: { minimumBackoff: { seconds: 5 }, maximumBackoff: { seconds: 60 } },
    });
    const [metadata] = await subscription.getMetadata();
    expect(metadata).toMatchObject({ name: subscription.name, topic: topic.name, ackDeadlineSeconds: 30 });
    expect(Number(metadata.retryPolicy?.minimumBackoff?.seconds)).toBe(5);
    expect(Number(metadata.retryPolicy?.maximumBackoff?.seconds)).toBe(60);
    expect((await topic.getSubscriptions())[0].map((listed) => listed.name)).toEqual([subscription.name]);
    expect((await pubsub.getSubscriptions())[0].map((listed) => listed.name)).toContain(subscription.name);
    expect((await pubsub.getTopics())[0].map((listed) => listed.name)).toContain(topic.name);

    await expect(pubsub.createTopic('ab')).rejects.toMatchObject({ code: 3 });
    await expect(
      topic.createSubscription(unique('admin-dlq'), { deadLetterPolicy: { deadLetterTopic: topic.name, maxDeliveryAttempts: 2 } }),
    ).rejects.toMatchObject({ code: 11 });
    const [defaults] = await (await topic.createSubscription(unique('admin-defaults'), { deadLetterPolicy: { deadLetterTopic: topic.name } }))[0].getMetadata();
    expect(defaults).toMatchObject({ ackDeadlineSeconds: 10, deadLetterPolicy: { deadLetterTopic: topic.name, maxDeliveryAttempts: 5 } });

    await topic.delete();
    expect((await topic.exists())[0]).toBe(false);
    expect((await subscription.getMetadata())[0].topic).toBe('_deleted-topic_');
    await subscription.delete();
    expect((await subscription.exists())[0]).toBe(false);
  });
});
