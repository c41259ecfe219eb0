import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReturnedVideo } from '../../ports/videoModel';
import type { StoredVideo, VideoStorage } from '../../ports/videoStorage';
import { assertStorableId, DEFAULT_VIDEO_SOURCE_LIMITS, extensionFor, isGcsUri, readVideoBytes, type VideoSourceLimits } from './videoSource';

export interface LocalVideoStorageOptions {
  /** Directory the files go to; scripts/local-storage serves it over HTTP. */
  dir: string;
  /** URL at which `dir` is served, e.g. http://127.0.0.1:8090. */
  publicBaseUrl: string;
  limits?: Partial<VideoSourceLimits>;
}

/** Local mode's storage: files in a directory, played by a browser from a local static server. */
export class LocalVideoStorage implements VideoStorage {
  private readonly dir: string;
  private readonly baseUrl: string;
  private readonly limits: VideoSourceLimits;

  constructor(options: LocalVideoStorageOptions) {
    this.dir = path.resolve(options.dir);
    this.baseUrl = options.publicBaseUrl.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.baseUrl)) throw new Error(`publicBaseUrl must be http(s): ${options.publicBaseUrl}`);
    this.limits = { ...DEFAULT_VIDEO_SOURCE_LIMITS, ...options.limits };
  }

  async save(generationId: string, index: number, video: ReturnedVideo): Promise<StoredVideo> {
    assertStorableId(generationId, index);
    if (!video.bytes && video.uri && isGcsUri(video.uri)) {
      throw new Error(`local storage cannot read ${video.uri}: ask Veo for inline bytes or an http(s) URL locally`);
    }
    const bytes = await readVideoBytes(video, this.limits);
    const name = `${index}.${extensionFor(video.mimeType)}`;
    const folder = path.join(this.dir, generationId);
    const location = path.join(folder, name);
    await mkdir(folder, { recursive: true });
    // Write then rename, so a reader (or a crash) never sees half a file; a repeated save replaces it whole.
    const partial = `${location}.${randomUUID()}.partial`;
    try {
      await writeFile(partial, bytes);
      await rename(partial, location);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
    return { url: `${this.baseUrl}/${generationId}/${name}`, location };
  }
}
