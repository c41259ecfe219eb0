import type { ReturnedVideo } from '../../ports/videoModel';

export interface VideoSourceLimits {
  /** Larger videos are refused rather than buffered: Veo's are a few MB to tens of MB. */
  maxVideoBytes: number;
  /** Bounds the whole download of an http(s) source, body included. */
  fetchTimeoutMs: number;
}

export const DEFAULT_VIDEO_SOURCE_LIMITS: VideoSourceLimits = { maxVideoBytes: 256 * 1024 * 1024, fetchTimeoutMs: 60_000 };

export function isGcsUri(uri: string): boolean {
  return uri.startsWith('gs://');
}

/** gs://bucket/path/to/object → {bucket, object}. */
export function parseGcsUri(uri: string): { bucket: string; object: string } {
  const match = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not a gs:// object URI: ${uri}`);
  return { bucket: match[1]!, object: match[2]! };
}

/** The bytes of a video Veo returned inline or at an http(s) URL (gs:// sources are copied server-side instead). */
export async function readVideoBytes(video: ReturnedVideo, limits: VideoSourceLimits): Promise<Buffer> {
  if (video.bytes) {
    if (video.bytes.length > limits.maxVideoBytes) throw tooLarge(video.bytes.length, limits.maxVideoBytes);
    return video.bytes;
  }
  if (!video.uri) throw new Error('the video has neither bytes nor a uri');
  if (!/^https?:\/\//.test(video.uri)) throw new Error(`cannot download ${video.uri}: only http(s) sources are fetched`);
  return downloadBounded(video.uri, limits);
}

async function downloadBounded(url: string, limits: VideoSourceLimits): Promise<Buffer> {
  const signal = AbortSignal.timeout(limits.fetchTimeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (error) {
    throw new Error(`download of ${url} failed: ${String(error)}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`download of ${url} answered ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > limits.maxVideoBytes) {
    await response.body?.cancel();
    throw tooLarge(declared, limits.maxVideoBytes);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      // A missing or lying Content-Length must not let a download grow without bound.
      if (size > limits.maxVideoBytes) throw tooLarge(size, limits.maxVideoBytes);
      chunks.push(chunk);
    }
  } catch (error) {
    await response.body?.cancel().catch(() => undefined);
    throw error instanceof VideoTooLargeError ? error : new Error(`download of ${url} failed: ${String(error)}`, { cause: error });
  }
  return Buffer.concat(chunks);
}

export class VideoTooLargeError extends Error {
  constructor(size: number, max: number) {
    super(`video of ${size} bytes is over the ${max}-byte limit`);
    this.name = 'VideoTooLargeError';
  }
}

function tooLarge(size: number, max: number): VideoTooLargeError {
  return new VideoTooLargeError(size, max);
}

/** Safe as one path segment and as an object name part: our ids are [A-Za-z0-9_-]. */
export function assertStorableId(generationId: string, index: number): void {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(generationId)) throw new Error(`generation id not storable as a path: ${JSON.stringify(generationId)}`);
  if (!Number.isInteger(index) || index < 0 || index > 99) throw new Error(`video index 0..99, got ${index}`);
}

/** File extension for a video MIME type; Veo returns MP4. */
export function extensionFor(mimeType: string): string {
  if (mimeType === 'video/mp4') return 'mp4';
  if (mimeType === 'video/webm') return 'webm';
  if (mimeType === 'video/quicktime') return 'mov';
  throw new Error(`unexpected video MIME type ${mimeType}`);
}
