import { DomainError } from './errors';

/**
 * What each Veo model accepts. These are capabilities of the models (FACTS.md), not prices:
 * prices live in the versioned price book data.
 */
export const MODEL_IDS = ['veo-3.1-generate-001', 'veo-3.1-fast-generate-001', 'veo-3.1-lite-generate-001'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

export const RESOLUTIONS = ['720p', '1080p', '4k'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const DURATIONS_SECONDS = [4, 6, 8] as const;
export type DurationSeconds = (typeof DURATIONS_SECONDS)[number];

export const ASPECT_RATIOS = ['16:9', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const MAX_VIDEOS_PER_REQUEST = 4;

export interface GenerationParams {
  model: ModelId;
  durationSeconds: DurationSeconds;
  resolution: Resolution;
  generateAudio: boolean;
  numberOfVideos: number;
  aspectRatio: AspectRatio;
}

interface ModelCapabilities {
  resolutions: readonly Resolution[];
  /** Resolutions above 720p are only rendered at 8 seconds. */
  eightSecondsOnly: readonly Resolution[];
}

const CAPABILITIES: Record<ModelId, ModelCapabilities> = {
  'veo-3.1-generate-001': { resolutions: ['720p', '1080p', '4k'], eightSecondsOnly: ['1080p', '4k'] },
  'veo-3.1-fast-generate-001': { resolutions: ['720p', '1080p', '4k'], eightSecondsOnly: ['1080p', '4k'] },
  'veo-3.1-lite-generate-001': { resolutions: ['720p', '1080p'], eightSecondsOnly: ['1080p'] },
};

/** Throws VALIDATION_FAILED naming the first constraint the parameters break. */
export function assertSupported(params: GenerationParams): void {
  const capabilities = CAPABILITIES[params.model];
  const fail = (field: string, message: string): never => {
    throw new DomainError('VALIDATION_FAILED', message, { details: { field } });
  };
  if (!capabilities) fail('model', `unknown model ${params.model}`);
  if (!(DURATIONS_SECONDS as readonly number[]).includes(params.durationSeconds)) {
    fail('durationSeconds', `durationSeconds must be one of ${DURATIONS_SECONDS.join(', ')}`);
  }
  if (!capabilities.resolutions.includes(params.resolution)) {
    fail('resolution', `${params.model} does not render ${params.resolution}`);
  }
  if (capabilities.eightSecondsOnly.includes(params.resolution) && params.durationSeconds !== 8) {
    fail('durationSeconds', `${params.resolution} requires durationSeconds 8`);
  }
  if (!Number.isInteger(params.numberOfVideos) || params.numberOfVideos < 1 || params.numberOfVideos > MAX_VIDEOS_PER_REQUEST) {
    fail('numberOfVideos', `numberOfVideos must be an integer from 1 to ${MAX_VIDEOS_PER_REQUEST}`);
  }
  if (!(ASPECT_RATIOS as readonly string[]).includes(params.aspectRatio)) {
    fail('aspectRatio', `aspectRatio must be one of ${ASPECT_RATIOS.join(', ')}`);
  }
}
