import type { Storage, StorageOptions } from '@google-cloud/storage';
import type { ReturnedVideo } from '../../ports/videoModel';
import type { StoredVideo, VideoStorage } from '../../ports/videoStorage';
import {
  assertStorableId,
  DEFAULT_VIDEO_SOURCE_LIMITS,
  extensionFor,
  isGcsUri,
  parseGcsUri,
  readVideoBytes,
  type VideoSourceLimits,
} from './videoSource';

/**
 * How clients get at a stored video:
 * - signed: a V4 signed URL (at most 7 days; the runtime service account needs
 *   iam.serviceAccounts.signBlob on itself when it has no key);
 * - public: https://storage.googleapis.com/<bucket>/<object>, for buckets readable by allUsers or
 *   put behind a CDN.
 */
export type GcsVideoUrl = { kind: 'signed'; expiresInMs: number } | { kind: 'public' };

export interface GcsVideoStorageOptions {
  bucket: string;
  /** Object name prefix, e.g. "videos/". */
  prefix?: string;
  url: GcsVideoUrl;
  limits?: Partial<VideoSourceLimits>;
  /** Passed to new Storage() (projectId, apiEndpoint, authClient). */
  storageOptions?: StorageOptions;
}

const MAX_SIGNED_URL_MS = 7 * 24 * 3600 * 1000;

/** Production storage: Veo's output copied into our bucket (Veo's own copies are short-lived). */
export class GcsVideoStorage implements VideoStorage {
  private storage: Storage | undefined;
  private readonly limits: VideoSourceLimits;

  constructor(private readonly options: GcsVideoStorageOptions) {
    if (!/^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$/.test(options.bucket)) throw new Error(`not a bucket name: ${options.bucket}`);
    if (options.url.kind === 'signed' && !(options.url.expiresInMs > 0 && options.url.expiresInMs <= MAX_SIGNED_URL_MS)) {
      throw new Error(`signed URL lifetime must be 1..${MAX_SIGNED_URL_MS} ms (V4 limit), got ${options.url.expiresInMs}`);
    }
    this.limits = { ...DEFAULT_VIDEO_SOURCE_LIMITS, ...options.limits };
  }

  async save(generationId: string, index: number, video: ReturnedVideo): Promise<StoredVideo> {
    assertStorableId(generationId, index);
    const objectName = `${this.options.prefix ?? ''}${generationId}/${index}.${extensionFor(video.mimeType)}`;
    const bucket = this.client().bucket(this.options.bucket);
    const destination = bucket.file(objectName);
    if (!video.bytes && video.uri && isGcsUri(video.uri)) {
      const source = parseGcsUri(video.uri);
      const sourceFile = this.client().bucket(source.bucket).file(source.object);
      const [metadata] = await sourceFile.getMetadata();
      const size = Number(metadata.size ?? NaN);
      if (!(size <= this.limits.maxVideoBytes)) {
        throw new Error(`${video.uri} is ${metadata.size ?? 'of unknown size'} bytes, over the ${this.limits.maxVideoBytes}-byte limit`);
      }
      // A server-side copy (rewrite): the bytes never pass through the function.
      await sourceFile.copy(destination, { contentType: video.mimeType });
    } else {
      const bytes = await readVideoBytes(video, this.limits);
      await destination.save(bytes, { resumable: false, contentType: video.mimeType, metadata: { cacheControl: 'private, max-age=3600' } });
    }
    return { url: await this.urlFor(destination, objectName), location: `gs://${this.options.bucket}/${objectName}` };
  }

  private async urlFor(file: import('@google-cloud/storage').File, objectName: string): Promise<string> {
    const url = this.options.url;
    if (url.kind === 'public') {
      return `https://storage.googleapis.com/${this.options.bucket}/${objectName.split('/').map(encodeURIComponent).join('/')}`;
    }
    // The library signs with its own clock (X-Goog-Date) and refuses past expiries, so ours must be real time too.
    const [signed] = await file.getSignedUrl({ version: 'v4', action: 'read', expires: Date.now() + url.expiresInMs });
    return signed;
  }

  private client(): Storage {
    if (!this.storage) {
      // Loaded on first use: only the worker stores videos, and the other functions' cold starts skip it.
      const { Storage: StorageClass } = require('@google-cloud/storage') as typeof import('@google-cloud/storage');
      this.storage = new StorageClass(this.options.storageOptions);
    }
    return this.storage;
  }
}
