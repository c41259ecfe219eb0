import { z } from 'zod';
import { requestGeneration } from '../../app/requestGeneration';
import { DomainError } from '../../domain/errors';
import { aspectRatioField, durationField, modelField, numberOfVideosField, promptField, resolutionField } from '../apiSchemas';
import { defineRoute } from '../route';
import { generationView, quoteView } from '../views';

export const createGenerationBody = z
  .object({
    prompt: promptField,
    negativePrompt: promptField.optional(),
    model: modelField,
    durationSeconds: durationField,
    resolution: resolutionField.default('720p'),
    aspectRatio: aspectRatioField.default('16:9'),
    generateAudio: z.boolean().default(false),
    numberOfVideos: numberOfVideosField.default(1),
  })
  .strict();

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

export const v1GenerationsCreate = defineRoute({
  method: 'POST',
  path: '/v1/generations',
  access: 'user',
  summary: 'Reserve the quote and queue one generation. Idempotency-Key is required; a replay returns the same generation.',
  body: createGenerationBody,
  requiredHeaders: ['Idempotency-Key'],
  response: { status: 202, description: '{id, status, holdMicros, quote, generation}' },
  async handler({ req, body, principal, deps, log, trace, nowMs }) {
    const idempotencyKey = req.get('idempotency-key') ?? '';
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 8–128 characters of letters, digits and _.:-', { details: { header: 'Idempotency-Key' } });
    }
    const result = await requestGeneration(
      { db: deps.db, queue: deps.queue, priceBooks: deps.priceBooks, holdTtlMs: deps.config.holdTtlMs, platformCap: deps.platformCap },
      { accountId: principal!.accountId, idempotencyKey, request: body, nowMs, source: 'api', trace: trace ?? null, actor: `user:${principal!.sub}` },
      log,
    );
    const g = result.generation;
    return {
      status: 202,
      headers: { Location: `/v1/generations/${result.generationId}`, ...(result.replayed ? { 'Idempotent-Replayed': 'true' } : {}) },
      body: { id: result.generationId, status: g.status, holdMicros: g.holdMicros, quote: quoteView(g.quote), generation: generationView(result.generationId, g) },
    };
  },
});
