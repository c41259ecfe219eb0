// @google/genai ships ES-module typings only; its runtime is loaded below with require.
import type { GoogleGenAI, GoogleGenAIOptions } from '@google/genai' with { 'resolution-mode': 'import' };
import { VideoModelError, type OperationState, type VideoModel, type VideoStartRequest } from '../../ports/videoModel';
import { toOperationState, type GenerateVideosOperationLike } from './operationState';
import { tracedFetch } from './transportFailure';
import { classifyPollFailure, classifyStartFailure } from './veoErrors';
import { startLabels } from './vertexLabels';

type GenAiModule = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });
/** The SDK's own google-auth-library (10.x) option type; ours is 11.x, see the accessToken case. */
type GoogleAuthOptions = NonNullable<GoogleGenAIOptions['googleAuthOptions']>;

/**
 * How the SDK gets its bearer token:
 * - applicationDefault: the function's service account (production);
 * - accessToken: a fixed token, for the simulated Veo (it only checks one is present);
 * - googleAuthOptions: anything else google-auth-library accepts.
 */
export type VeoAuth =
  | { kind: 'applicationDefault' }
  | { kind: 'accessToken'; accessToken: string }
  | { kind: 'googleAuthOptions'; options: GoogleAuthOptions };

export interface VeoVideoModelOptions {
  project: string;
  location: string;
  /** The simulated Veo's URL locally; omitted in production (the SDK's regional Vertex endpoint). */
  baseUrl?: string;
  /** One start attempt; past it the outcome is `unknown` (Veo may have accepted). */
  startTimeoutMs: number;
  /** One poll attempt. */
  pollTimeoutMs: number;
  auth: VeoAuth;
}

const OPERATION_NAME = /^projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/[^/:]+\/operations\/[^/:]+$/;
/** Our fetch replaces the SDK's timeout-free dispatcher, so undici's own 300 s header timeout applies beyond this. */
const MAX_TIMEOUT_MS = 300_000;

/** Veo on Vertex AI through @google/genai, which is loaded on first use so cold starts that never call Veo skip it. */
export function createVeoVideoModel(options: VeoVideoModelOptions): VideoModel {
  return new VeoVideoModel(options);
}

export class VeoVideoModel implements VideoModel {
  private client: Promise<{ ai: GoogleGenAI; genai: GenAiModule }> | undefined;

  constructor(private readonly options: VeoVideoModelOptions) {
    for (const [name, value] of [
      ['startTimeoutMs', options.startTimeoutMs],
      ['pollTimeoutMs', options.pollTimeoutMs],
    ] as const) {
      if (!Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_MS) {
        throw new Error(`VeoVideoModel ${name} must be 1..${MAX_TIMEOUT_MS} ms, got ${value}`);
      }
    }
    if (!options.project || !options.location) throw new Error('VeoVideoModel needs project and location');
  }

  async start(request: VideoStartRequest): Promise<{ operationName: string }> {
    const { fetch, trace } = tracedFetch();
    let operation: GenerateVideosOperationLike;
    try {
      const { ai } = await this.sdk();
      operation = await ai.models.generateVideos({
        model: request.model,
        // `source` rather than top-level `prompt`: the SDK warns that the latter is deprecated.
        source: { prompt: request.prompt },
        config: {
          numberOfVideos: request.numberOfVideos,
          durationSeconds: request.durationSeconds,
          aspectRatio: request.aspectRatio,
          resolution: request.resolution,
          generateAudio: request.generateAudio,
          ...(request.negativePrompt ? { negativePrompt: request.negativePrompt } : {}),
          ...(request.outputGcsUri ? { outputGcsUri: request.outputGcsUri } : {}),
          labels: startLabels(request.generationId, request.accountId),
          // No retryOptions here or on the client: the SDK then makes exactly one attempt.
          httpOptions: { timeout: this.options.startTimeoutMs, fetch },
        },
      });
    } catch (error) {
      throw classifyStartFailure(error, trace, this.options.startTimeoutMs);
    }
    if (!operation.name) {
      // Veo answered 200, so it may well be generating, but there is nothing to poll or reconcile by.
      throw new VideoModelError('unknown', `Veo accepted the start but returned no operation name: ${JSON.stringify(operation).slice(0, 300)}`);
    }
    return { operationName: operation.name };
  }

  async poll(operationName: string): Promise<OperationState> {
    if (!OPERATION_NAME.test(operationName)) {
      throw new VideoModelError('rejected', `not a Vertex Veo operation name: ${operationName}`);
    }
    const { fetch } = tracedFetch();
    let operation: GenerateVideosOperationLike;
    try {
      const { ai, genai } = await this.sdk();
      // The SDK only polls its own class (a plain {name} throws), and this one it fills in place.
      const stored = Object.assign(new genai.GenerateVideosOperation(), { name: operationName });
      operation = await ai.operations.getVideosOperation({
        operation: stored,
        // Vertex getVideosOperation ignores abortSignal; the per-attempt timeout is the only bound.
        config: { httpOptions: { timeout: this.options.pollTimeoutMs, fetch } },
      });
    } catch (error) {
      throw classifyPollFailure(error, operationName, this.options.pollTimeoutMs);
    }
    return toOperationState(operation);
  }

  private sdk(): Promise<{ ai: GoogleGenAI; genai: GenAiModule }> {
    this.client ??= this.createClient().catch((error: unknown) => {
      this.client = undefined; // a failed load is retried by the next call rather than cached
      throw error;
    });
    return this.client;
  }

  private async createClient(): Promise<{ ai: GoogleGenAI; genai: GenAiModule }> {
    // require, not import(): functions compile to CommonJS, and jest runs them without ESM support.
    const genai = require('@google/genai') as GenAiModule;
    const ai = new genai.GoogleGenAI({
      vertexai: true,
      project: this.options.project,
      location: this.options.location,
      ...(this.options.baseUrl ? { httpOptions: { baseUrl: this.options.baseUrl } } : {}),
      googleAuthOptions: googleAuthOptionsFor(this.options.auth),
    });
    return { ai, genai };
  }
}

function googleAuthOptionsFor(auth: VeoAuth): GoogleAuthOptions {
  switch (auth.kind) {
    case 'applicationDefault':
      return { scopes: ['https://www.googleapis.com/auth/cloud-platform'] };
    case 'googleAuthOptions':
      return auth.options;
    case 'accessToken': {
      const { OAuth2Client } = require('google-auth-library') as typeof import('google-auth-library');
      const client = new OAuth2Client();
      // No expiry_date: the library then never tries to refresh a token it has no way to renew.
      client.setCredentials({ access_token: auth.accessToken });
      // @google/genai 3.x bundles google-auth-library 10 while we depend on 11, so the class types
      // differ; its GoogleAuth only calls authClient.getRequestHeaders(), which 11 provides alike.
      return { authClient: client as unknown as GoogleAuthOptions['authClient'] };
    }
  }
}
