/** Publishes work for a function triggered by Pub/Sub. Delivery is at least once. */
export interface GenerationQueue {
  publishGenerationRequest(message: { generationId: string; accountId: string; trace?: string }): Promise<string>;
}
