import type { OperationState, ReturnedVideo } from '../../ports/videoModel';

/** The parts of @google/genai's GenerateVideosOperation this adapter reads (Vertex mapping, FACTS.md). */
export interface GenerateVideosOperationLike {
  name?: string;
  done?: boolean;
  error?: Record<string, unknown>;
  response?: {
    generatedVideos?: Array<{ video?: { uri?: string; videoBytes?: string; mimeType?: string } }>;
    raiMediaFilteredCount?: number;
    raiMediaFilteredReasons?: string[];
  };
}

/** google.rpc.Code UNKNOWN, for a finished operation that says neither what it made nor why it failed. */
const RPC_UNKNOWN = 2;

export function toOperationState(operation: GenerateVideosOperationLike): OperationState {
  if (!operation.done) return { done: false };
  if (operation.error) {
    const { code, message } = operation.error;
    return {
      done: true,
      error: {
        code: typeof code === 'number' ? code : RPC_UNKNOWN,
        message: typeof message === 'string' && message ? message : JSON.stringify(operation.error).slice(0, 500),
      },
    };
  }
  if (!operation.response) {
    return { done: true, error: { code: RPC_UNKNOWN, message: 'Veo finished the operation without a response or an error' } };
  }
  const videos: ReturnedVideo[] = [];
  for (const generated of operation.response.generatedVideos ?? []) {
    const video = generated.video;
    // An entry with neither a location nor bytes cannot be delivered, so it is not counted (nor billed).
    if (!video || (!video.uri && !video.videoBytes)) continue;
    videos.push({
      ...(video.uri ? { uri: video.uri } : {}),
      ...(video.videoBytes ? { bytes: Buffer.from(video.videoBytes, 'base64') } : {}),
      mimeType: video.mimeType ?? 'video/mp4',
    });
  }
  const filteredCount = operation.response.raiMediaFilteredCount;
  const filteredReasons = operation.response.raiMediaFilteredReasons;
  return {
    done: true,
    videos,
    filteredCount: typeof filteredCount === 'number' && filteredCount > 0 ? filteredCount : 0,
    filteredReasons: Array.isArray(filteredReasons) ? filteredReasons.filter((r): r is string => typeof r === 'string') : [],
  };
}
