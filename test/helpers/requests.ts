import type { GenerationRequest } from '../../functions/src/domain/generationRequest';

/** A Veo 3.1 Fast 720p, 4 s, no-audio video: 4 s × $0.08 = $0.32 = 320,000 micros per video. */
export function fastRequest(overrides: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    prompt: 'a paper boat drifting down a rainy street',
    model: 'veo-3.1-fast-generate-001',
    durationSeconds: 4,
    resolution: '720p',
    aspectRatio: '16:9',
    generateAudio: false,
    numberOfVideos: 1,
    ...overrides,
  };
}

export const FAST_REQUEST_MICROS = 320_000;
