import type { ReturnedVideo } from './videoModel';

export interface StoredVideo {
  /** Where a client fetches the video (signed or public URL; a local HTTP URL in local mode). */
  url: string;
  /** Our own durable location (gs://… or a local path). */
  location: string;
}

/** Copies Veo output into storage we own: Veo's own copies are kept only for days. */
export interface VideoStorage {
  save(generationId: string, index: number, video: ReturnedVideo): Promise<StoredVideo>;
}
