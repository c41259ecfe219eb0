import type { PubSub } from '@google-cloud/pubsub';

export interface PushTopic {
  topic: string;
  subscription: string;
  pushEndpoint: string;
  /** Attempts before the message goes to `<topic>-dead`; as in production (FACTS.md). */
  maxDeliveryAttempts: number;
}

/**
 * Topics and push subscriptions as production has them: retry with backoff, then a dead-letter
 * topic, so a message the worker keeps failing on stops after a bounded number of deliveries
 * (the sweeper picks the generation up from Firestore).
 */
export async function ensurePushTopic(pubsub: PubSub, spec: PushTopic): Promise<void> {
  const topic = pubsub.topic(spec.topic);
  const [topicExists] = await topic.exists();
  if (!topicExists) await topic.create();
  const dead = pubsub.topic(`${spec.topic}-dead`);
  const [deadExists] = await dead.exists();
  if (!deadExists) await dead.create();
  const subscription = topic.subscription(spec.subscription);
  const [subscriptionExists] = await subscription.exists();
  if (subscriptionExists) await subscription.delete();
  await topic.createSubscription(spec.subscription, {
    pushConfig: { pushEndpoint: spec.pushEndpoint },
    ackDeadlineSeconds: 600,
    retryPolicy: { minimumBackoff: { seconds: 5 }, maximumBackoff: { seconds: 60 } },
    deadLetterPolicy: { deadLetterTopic: dead.name, maxDeliveryAttempts: spec.maxDeliveryAttempts },
  });
}
