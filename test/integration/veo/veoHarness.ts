import { createVeoVideoModel, type VeoVideoModelOptions } from '../../../functions/src/adapters/veo';
import type { VideoModel, VideoStartRequest } from '../../../functions/src/ports/videoModel';
import { startSimVeo, type SimVeo, type SimVeoOptions } from '../../../scripts/sim-veo';

/** These switch @google/genai to the Gemini API backend, where generateVideos refuses to run (FACTS.md). */
export function clearGenAiEnvironment(): void {
  for (const name of ['GOOGLE_API_KEY', 'GEMINI_API_KEY', 'GOOGLE_GENAI_USE_VERTEXAI', 'GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_LOCATION']) {
    delete process.env[name];
  }
}

export function veoFor(sim: { baseUrl: string }, overrides: Partial<VeoVideoModelOptions> = {}): VideoModel {
  return createVeoVideoModel({
    project: 'reelguard-test',
    location: 'us-central1',
    baseUrl: sim.baseUrl,
    startTimeoutMs: 2_000,
    pollTimeoutMs: 2_000,
    auth: { kind: 'accessToken', accessToken: 'local-test-token' },
    ...overrides,
  });
}

let sequence = 0;

/** A start request with ids shaped like domain/ids.ts makes them (mixed case). */
export function startRequest(overrides: Partial<VideoStartRequest> = {}): VideoStartRequest {
  sequence += 1;
  return {
    generationId: `g_VeoTest${sequence}AbCdEfGhIjKlMnOp`,
    accountId: 'a_AccountXyz0123456789ab',
    model: 'veo-3.1-fast-generate-001',
    prompt: `a paper boat on a rainy street, take ${sequence}`,
    durationSeconds: 4,
    resolution: '720p',
    aspectRatio: '16:9',
    generateAudio: false,
    numberOfVideos: 1,
    ...overrides,
  };
}

export async function withSim(options: SimVeoOptions = {}): Promise<SimVeo> {
  clearGenAiEnvironment();
  return startSimVeo({ faults: { latencyMs: 0 }, ...options });
}
