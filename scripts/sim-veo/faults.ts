import { z } from 'zod';

/** HTTP statuses a start can be refused with, as Vertex would: bad request, auth, permission, not found, quota, server errors. */
export const START_FAILURE_STATUSES = [400, 401, 403, 404, 408, 429, 500, 502, 503, 504] as const;
export type StartFailureStatus = (typeof START_FAILURE_STATUSES)[number];

/** Where finished videos are: inline bytes, an http URL on the simulator, or a gs:// reference nobody can read. */
export const OUTPUT_MODES = ['inline', 'uri', 'gcs'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export interface SimVeoFaults {
  /** Time from acceptance until an operation reports done. */
  latencyMs: number;
  /** The next `count` starts are refused with `status` (nothing accepted, nothing counted). */
  failNextStarts: { status: StartFailureStatus; count: number; message?: string } | null;
  /** The next N starts are accepted (operation created, counted), then the socket is destroyed unanswered. */
  dropNextStarts: number;
  /** The next N starts are accepted and counted, then never answered (the client must time out). */
  hangNextStarts: number;
  /** The next N starts are accepted and counted; the 200 answer is cut off halfway through its body. */
  truncateNextStarts: number;
  /** Each new operation loses `count` of its samples to the safety filter (all of them when count ≥ sampleCount). */
  filtered: { count: number; reasons: string[] } | null;
  /** Each new operation finishes with this error instead of videos. */
  operationError: { code: number; message: string } | null;
  /** While true, polls are never answered. */
  hangPolls: boolean;
  /** Used when the request names no storageUri; a storageUri always yields gs:// references, as on Vertex. */
  output: OutputMode;
}

export const DEFAULT_FILTER_REASONS = [
  'Simulated: the video could not be generated because it violates the usage guidelines. Support codes: 58061214',
];

export function defaultFaults(): SimVeoFaults {
  return {
    latencyMs: 1_000,
    failNextStarts: null,
    dropNextStarts: 0,
    hangNextStarts: 0,
    truncateNextStarts: 0,
    filtered: null,
    operationError: null,
    hangPolls: false,
    output: 'inline',
  };
}

const MAX_COUNT = 10_000;
const MAX_LATENCY_MS = 3_600_000;

/** What `POST /__sim/faults` and `faults.set()` accept: any subset; `null` clears a fault. */
export const faultsPatchSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(MAX_LATENCY_MS),
    failNextStarts: z
      .object({
        status: z.literal(START_FAILURE_STATUSES),
        count: z.number().int().min(1).max(MAX_COUNT).default(1),
        message: z.string().max(1_000).optional(),
      })
      .nullable(),
    dropNextStarts: z.number().int().min(0).max(MAX_COUNT),
    hangNextStarts: z.number().int().min(0).max(MAX_COUNT),
    truncateNextStarts: z.number().int().min(0).max(MAX_COUNT),
    filtered: z
      .object({
        count: z.number().int().min(0).max(4),
        reasons: z.array(z.string().max(1_000)).max(8).default(DEFAULT_FILTER_REASONS),
      })
      .nullable(),
    operationError: z.object({ code: z.number().int().min(1).max(16), message: z.string().max(1_000) }).nullable(),
    hangPolls: z.boolean(),
    output: z.enum(OUTPUT_MODES),
  })
  .partial()
  .strict();

export type SimVeoFaultsPatch = z.input<typeof faultsPatchSchema>;

export function applyFaultsPatch(current: SimVeoFaults, patch: unknown): SimVeoFaults {
  const parsed = faultsPatchSchema.parse(patch);
  const next: SimVeoFaults = { ...current };
  for (const [key, value] of Object.entries(parsed)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  return next;
}
