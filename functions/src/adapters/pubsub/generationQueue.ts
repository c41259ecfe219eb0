import type { GenerationQueue } from '../../ports/queue';
import { pubsubFor } from './client';

/**
 * Publishes `{generationId}` to the worker's topic. The message carries ids only: the worker reads
 * everything else from Firestore, so a stale or forged message can never change what is paid for.
 */
export function pubsubGenerationQueue(projectId: string, topicName: string): GenerationQueue {
  return {
    async publishGenerationRequest(message) {
      const topic = pubsubFor(projectId).topic(topicName);
      return topic.publishMessage({
        json: { generationId: message.generationId, accountId: message.accountId },
        attributes: { generationId: message.generationId, accountId: message.accountId, ...(message.trace ? { trace: message.trace } : {}) },
      });
    },
  };
}
