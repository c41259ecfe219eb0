import type { PubSub } from '@google-cloud/pubsub';

const clients = new Map<string, PubSub>();

/** Required lazily (cold start); PUBSUB_EMULATOR_HOST redirects it locally. */
export function pubsubFor(projectId: string): PubSub {
  let client = clients.get(projectId);
  if (!client) {
    const { PubSub: PubSubClient } = require('@google-cloud/pubsub') as typeof import('@google-cloud/pubsub');
    client = new PubSubClient({ projectId });
    clients.set(projectId, client);
  }
  return client;
}
