import type { AspectRatio, ModelId, Resolution } from '../domain/models';

export interface VideoStartRequest {
  generationId: string;
  accountId: string;
  model: ModelId;
  prompt: string;
  negativePrompt?: string;
  durationSeconds: number;
  resolution: Resolution;
  aspectRatio: AspectRatio;
  generateAudio: boolean;
  numberOfVideos: number;
  /** Where Veo should write its output (gs://…/prefix/) in production; omitted locally. */
  outputGcsUri?: string;
}

export interface ReturnedVideo {
  /** gs:// or http(s):// location of the video, when Veo wrote it somewhere. */
  uri?: string;
  /** The video itself, when Veo returned it inline. */
  bytes?: Buffer;
  mimeType: string;
}

export type OperationState =
  | { done: false }
  | { done: true; videos: ReturnedVideo[]; filteredCount: number; filteredReasons: string[] }
  | { done: true; error: { code: number; message: string } };

/**
 * Why a start or poll did not work, in the terms the worker must act on:
 * - rejected: Veo refused the request (400/403/404 and other 4xx); never retry, nothing was billed;
 * - unavailable: refused before acceptance (429, 408, 401, 5xx except 504, connection refused,
 *   credentials not obtained); retry later, nothing was billed;
 * - unknown: the request may have been accepted (timeout, connection dropped after sending, 504
 *   DEADLINE_EXCEEDED, an answer that could not be read); starting again could pay twice, so the
 *   generation goes to `unknown`.
 * Polls are read-only, so for `poll` only `rejected` is final (no such operation, or no access);
 * every other failure of a poll, timeouts included, is `unavailable`: ask again later.
 */
export type VideoModelErrorKind = 'rejected' | 'unavailable' | 'unknown';

export class VideoModelError extends Error {
  constructor(
    readonly kind: VideoModelErrorKind,
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VideoModelError';
  }
}

export interface VideoModel {
  /** Starts one long-running generation; never retried internally. Returns the operation name. */
  start(request: VideoStartRequest): Promise<{ operationName: string }>;
  /** One poll of a stored operation, bounded by a timeout (a hung Veo never hangs the worker). */
  poll(operationName: string): Promise<OperationState>;
}
