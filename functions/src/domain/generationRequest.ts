import { canonicalHash } from './ids';
import type { GenerationParams } from './models';

/** What a customer asks for: the model parameters plus the words. */
export interface GenerationRequest extends GenerationParams {
  prompt: string;
  negativePrompt?: string;
}

/** Same words however they were spaced or cased. */
export function normalizePrompt(prompt: string): string {
  return prompt.normalize('NFC').trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Identifies the video a request would produce, for paying once: a finished video with the same
 * fingerprint can be reused instead of generated again.
 */
export function requestFingerprint(request: GenerationRequest): string {
  return canonicalHash({
    prompt: normalizePrompt(request.prompt),
    negativePrompt: request.negativePrompt ? normalizePrompt(request.negativePrompt) : null,
    model: request.model,
    durationSeconds: request.durationSeconds,
    resolution: request.resolution,
    aspectRatio: request.aspectRatio,
    generateAudio: request.generateAudio,
  });
}

/** Exactly the body the client sent (after validation): a replay with another body is refused. */
export function requestHash(request: GenerationRequest): string {
  return canonicalHash(request);
}
