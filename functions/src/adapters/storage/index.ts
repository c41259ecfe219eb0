export { LocalVideoStorage, type LocalVideoStorageOptions } from './localVideoStorage';
export { GcsVideoStorage, type GcsVideoStorageOptions, type GcsVideoUrl } from './gcsVideoStorage';
export { DEFAULT_VIDEO_SOURCE_LIMITS, type VideoSourceLimits } from './videoSource';
