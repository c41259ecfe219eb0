import type { CloudEvent } from '@google-cloud/functions-framework';
import { z } from 'zod';
import { runGeneration, type RunGenerationDeps } from '../app/runGeneration';
import { isDomainError } from '../domain/errors';
import { logger } from '../logger';
import { decodePubsubJson, pubsubEventDataSchema } from './pubsubEvent';
import { buildRunGenerationDeps } from './workerDeps';

const requestMessageSchema = z.object({ generationId: z.string().regex(/^g_[A-Za-z0-9]{1,64}$/) });

let deps: RunGenerationDeps | undefined;

/**
 * Pub/Sub-triggered worker. Only a retryable failure is thrown (Pub/Sub then redelivers with its
 * backoff); a malformed message or a refusal is logged and acknowledged, because redelivering it
 * cannot help. The message carries only the generation id; everything else is read from Firestore.
 */
export async function generationWorker(event: CloudEvent<unknown>): Promise<void> {
  const log = logger.child({ component: 'generationWorker', eventId: event.id });
  const envelope = pubsubEventDataSchema.safeParse(event.data);
  const message = envelope.success ? requestMessageSchema.safeParse(decodePubsubJson(envelope.data.message.data)) : null;
  if (!message?.success) {
    log.error('malformed generation request message; acknowledged without action', { messageId: envelope.success ? envelope.data.message.messageId : undefined });
    return;
  }
  const { generationId } = message.data;
  const trace = envelope.success ? envelope.data.message.attributes?.trace : undefined;
  try {
    deps ??= buildRunGenerationDeps();
    const outcome = await runGeneration(deps, generationId, log.child({ ...(trace ? { trace } : {}) }));
    log.info('generation message handled', { generationId, outcome });
  } catch (error) {
    if (isDomainError(error) && !error.retryable) {
      log.error('generation message refused; acknowledged', { generationId, error });
      return;
    }
    // Retryable, or an infrastructure failure (Firestore unavailable…): let Pub/Sub redeliver.
    log.warn('generation message will be redelivered', { generationId, error });
    throw error;
  }
}
