import { z } from 'zod';
import { ASPECT_RATIOS, MODEL_IDS, RESOLUTIONS } from '../domain/models';

/** Request fields shared by more than one route (quote and generation bodies). */
export const modelField = z.enum(MODEL_IDS);
export const durationField = z.union([z.literal(4), z.literal(6), z.literal(8)]);
export const resolutionField = z.enum(RESOLUTIONS);
export const aspectRatioField = z.enum(ASPECT_RATIOS);
export const numberOfVideosField = z.number().int().min(1).max(4);

/** Query strings arrive as text: "true"/"false" only, no truthy guessing. */
export const booleanQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const MAX_PROMPT_CHARS = 2000;
/** A prompt is text a person wrote: no control characters besides newlines and tabs. */
export const promptField = z
  .string()
  .trim()
  .min(1)
  .max(MAX_PROMPT_CHARS)
  .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]*$/, 'must not contain control characters');
