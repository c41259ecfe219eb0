import type { ServerResponse } from 'node:http';
import { z } from 'zod';

/**
 * The Vertex wire format @google/genai speaks for generateVideos (FACTS.md, "Veo through
 * @google/genai"): what a start body looks like and how errors are written.
 */
export const MODEL_ROUTE =
  /^\/(v1|v1beta1)\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(predictLongRunning|fetchPredictOperation)$/;
export const OPERATION_ROUTE =
  /^\/(v1|v1beta1)\/(projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/[^/:]+\/operations\/([^/:]+))$/;
export const OPERATION_NAME = /^projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/[^/:]+\/operations\/([^/:]+)$/;

export const startBodySchema = z.looseObject({
  instances: z.array(z.looseObject({ prompt: z.string().min(1).max(20_000) })).length(1),
  parameters: z
    .looseObject({
      sampleCount: z.number().int().min(1).max(4).default(1),
      durationSeconds: z.union([z.literal(4), z.literal(6), z.literal(8)]).default(8),
      aspectRatio: z.enum(['16:9', '9:16']).default('16:9'),
      resolution: z.enum(['720p', '1080p', '4k']).optional(),
      generateAudio: z.boolean().optional(),
      negativePrompt: z.string().max(20_000).optional(),
      storageUri: z.string().startsWith('gs://').optional(),
    })
    .default({ sampleCount: 1, durationSeconds: 8, aspectRatio: '16:9' }),
  labels: z.record(z.string(), z.string()).optional(),
});
export type StartBody = z.output<typeof startBodySchema>;

export const fetchOperationBodySchema = z.looseObject({ operationName: z.string().regex(OPERATION_NAME) });

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  408: 'DEADLINE_EXCEEDED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Google's error envelope, which @google/genai turns into ApiError {status, message: <this JSON>}. */
export function sendGoogleError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { code: status, message, status: GOOGLE_STATUS[status] ?? 'UNKNOWN' } });
}
