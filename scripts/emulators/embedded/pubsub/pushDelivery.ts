import type { PubsubMessage, PushConfig, Timestamp } from './wireTypes';

/**
 * HTTP push of one message, as the official emulator sends it: POST of the JSON envelope
 * `{message: {data, attributes, messageId, publishTime, ...}, subscription}` (it writes both the
 * camelCase and the snake_case keys, so both are sent), or the raw payload for `noWrapper`
 * endpoints. Any 2xx answer acknowledges; anything else, a timeout or a refused connection is a nack.
 */
export function publishTimeIso(timestamp: Timestamp | undefined): string {
  const ms = Number(timestamp?.seconds ?? 0) * 1000 + Math.floor((timestamp?.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

function pushRequest(subscriptionName: string, pushConfig: PushConfig, message: PubsubMessage): { headers: Record<string, string>; body: Buffer | string } {
  const data = Buffer.from(message.data ?? []);
  const attributes = message.attributes ?? {};
  const publishTime = publishTimeIso(message.publishTime);
  if (pushConfig.noWrapper) {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (pushConfig.noWrapper.writeMetadata) {
      headers['x-goog-pubsub-message-id'] = message.messageId ?? '';
      headers['x-goog-pubsub-publish-time'] = publishTime;
      headers['x-goog-pubsub-subscription-name'] = subscriptionName;
      for (const [key, value] of Object.entries(attributes)) headers[key.toLowerCase()] = value;
    }
    return { headers, body: data };
  }
  const envelope = {
    message: {
      data: data.toString('base64'),
      attributes,
      messageId: message.messageId,
      message_id: message.messageId,
      publishTime,
      publish_time: publishTime,
      ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
    },
    subscription: subscriptionName,
  };
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope) };
}

/** Resolves true when the endpoint acknowledged the message. */
export async function pushMessage(subscriptionName: string, pushConfig: PushConfig, message: PubsubMessage, timeoutMs: number): Promise<boolean> {
  const { headers, body } = pushRequest(subscriptionName, pushConfig, message);
  try {
    const response = await fetch(pushConfig.pushEndpoint ?? '', { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status >= 200 && response.status < 300;
  } catch {
    return false;
  }
}
