import type { DocumentData, FirestoreDataConverter, QueryDocumentSnapshot } from '@google-cloud/firestore';
import { z } from 'zod';
import { BILLING_MODES } from '../../domain/account';
import { GENERATION_STATUSES } from '../../domain/generation';
import { ENTRY_KINDS, RESOLUTION_KINDS } from '../../domain/ledger';
import { ASPECT_RATIOS, DURATIONS_SECONDS, MODEL_IDS, RESOLUTIONS } from '../../domain/models';

/**
 * Every document is validated when read: a document that does not match its schema is a bug or
 * tampering, and money code must stop rather than guess.
 */
const micros = z.number().int().nonnegative();
const signedMicros = z.number().int();
const epochMs = z.number().int().nonnegative();

export const limitsSchema = z.object({
  monthlyCapMicros: micros,
  maxPerVideoMicros: micros,
  maxGenerationsPerHour: z.number().int().nonnegative(),
  maxInFlight: z.number().int().nonnegative(),
});

export const consentSchema = z.object({
  priceBookVersion: z.string().min(1),
  maxMicrosPerVideo: micros,
  allowCheaperModel: z.boolean(),
  atMs: epochMs,
});

export const accountDocSchema = z.object({
  ownerUid: z.string().min(1),
  email: z.string(),
  plan: z.string(),
  billingMode: z.enum(BILLING_MODES),
  limits: limitsSchema,
  periodKey: z.string().regex(/^\d{4}-\d{2}$/),
  spentMicros: micros,
  heldMicros: micros,
  creditMicros: micros,
  recentStartsMs: z.array(epochMs),
  inFlight: z.number().int().nonnegative(),
  consent: consentSchema.nullable(),
  createdAtMs: epochMs,
  updatedAtMs: epochMs,
});
export type AccountDoc = z.infer<typeof accountDocSchema>;

export const entryDocSchema = z.object({
  kind: z.enum(ENTRY_KINDS),
  accountId: z.string().min(1),
  generationId: z.string().nullable(),
  amountMicros: micros,
  heldDeltaMicros: signedMicros,
  spentDeltaMicros: signedMicros,
  creditDeltaMicros: signedMicros,
  periodKey: z.string(),
  priceBookVersion: z.string().nullable(),
  model: z.string().nullable(),
  createdAtMs: epochMs,
  actor: z.string(),
  reason: z.string(),
});
export type EntryDoc = z.infer<typeof entryDocSchema>;

export const generationRequestSchema = z.object({
  prompt: z.string(),
  negativePrompt: z.string().optional(),
  model: z.enum(MODEL_IDS),
  durationSeconds: z.union(DURATIONS_SECONDS.map((d) => z.literal(d)) as [z.ZodLiteral<4>, z.ZodLiteral<6>, z.ZodLiteral<8>]),
  resolution: z.enum(RESOLUTIONS),
  aspectRatio: z.enum(ASPECT_RATIOS),
  generateAudio: z.boolean(),
  numberOfVideos: z.number().int().min(1).max(4),
});

export const quoteSchema = z.object({
  priceBookVersion: z.string(),
  model: z.enum(MODEL_IDS),
  durationSeconds: z.number().int(),
  resolution: z.enum(RESOLUTIONS),
  generateAudio: z.boolean(),
  numberOfVideos: z.number().int(),
  microsPerSecond: micros,
  perVideoMicros: micros,
  totalMicros: micros,
});

export const storedVideoSchema = z.object({ url: z.string(), location: z.string() });

export const generationDocSchema = z.object({
  accountId: z.string().min(1),
  ownerUid: z.string(),
  status: z.enum(GENERATION_STATUSES),
  request: generationRequestSchema,
  degradedFrom: z.enum(MODEL_IDS).nullable(),
  idempotencyKey: z.string(),
  requestHash: z.string(),
  fingerprint: z.string(),
  quote: quoteSchema,
  holdMicros: micros,
  holdExpiresAtMs: epochMs,
  costMicros: micros.nullable(),
  resolution: z.enum(RESOLUTION_KINDS).nullable(),
  operationName: z.string().nullable(),
  /** When Veo accepted the start: bounds how long an operation may be polled. */
  startedAtMs: epochMs.nullable(),
  lease: z.object({ owner: z.string(), untilMs: epochMs }).nullable(),
  attempts: z.number().int().nonnegative(),
  nextAttemptAtMs: epochMs.nullable(),
  videos: z.array(storedVideoSchema),
  videosReturned: z.number().int().nonnegative().nullable(),
  filteredCount: z.number().int().nonnegative().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  source: z.string(),
  trace: z.string().nullable(),
  createdAtMs: epochMs,
  updatedAtMs: epochMs,
});
export type GenerationDoc = z.infer<typeof generationDocSchema>;

export const controlsDocSchema = z.object({
  generationPaused: z.boolean(),
  degradeToModel: z.enum(MODEL_IDS).nullable(),
  reason: z.string(),
  sinceMs: epochMs,
  by: z.string(),
});
export type ControlsDoc = z.infer<typeof controlsDocSchema>;

export class InvalidDocumentError extends Error {
  constructor(path: string, issues: string) {
    super(`document ${path} does not match its schema: ${issues}`);
    this.name = 'InvalidDocumentError';
  }
}

export function parseDocument<T>(schema: z.ZodType<T>, path: string, data: DocumentData | undefined): T {
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new InvalidDocumentError(path, result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return result.data;
}

/** Converter for typed refs: reads are validated, writes pass through (they come from typed code). */
export function converter<T extends DocumentData>(schema: z.ZodType<T>): FirestoreDataConverter<T> {
  return {
    toFirestore: (value) => value as DocumentData,
    fromFirestore: (snapshot: QueryDocumentSnapshot) => parseDocument(schema, snapshot.ref.path, snapshot.data()),
  };
}
