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

const periodKey = z.string().regex(/^\d{4}-\d{2}$/);

export const platformShardPositionSchema = z.object({ periodKey, index: z.number().int().nonnegative() });

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
  /** The platform-cap shard that holds this generation's share; null without a platform cap (and on docs older than the cap). */
  platformShard: platformShardPositionSchema.nullable().default(null),
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

/** platformSpend/{periodKey}/shards/{index}: one slice of the platform monthly cap (domain/platformCap.ts). */
export const platformShardDocSchema = z.object({
  periodKey,
  index: z.number().int().nonnegative(),
  /** Pinned when the period's shards are created, so a config change mid-month cannot add allowance. */
  shardCount: z.number().int().positive(),
  spentMicros: micros,
  heldMicros: micros,
  createdAtMs: epochMs,
  updatedAtMs: epochMs,
});
export type PlatformShardDoc = z.infer<typeof platformShardDocSchema>;

/** controlsAudit/{auditId}, as app/changeControls.ts writes it. */
export const controlsAuditDocSchema = z.object({
  action: z.string(),
  source: z.string(),
  by: z.string(),
  reason: z.string(),
  atMs: epochMs,
  before: controlsDocSchema,
  after: controlsDocSchema,
});
export type ControlsAuditDoc = z.infer<typeof controlsAuditDocSchema>;

/** budgetAlerts/alert_{key}: the dedupe record of one budget action (budget + cost interval + threshold, or resume). */
export const budgetAlertRecordSchema = z.object({
  kind: z.literal('budget-action'),
  budgetId: z.string(),
  costIntervalStartMs: epochMs,
  /** The action threshold crossed, or null for an automatic resume in a new interval. */
  threshold: z.number().nullable(),
  action: z.string(),
  status: z.enum(['pending', 'applied']),
  /** A pending claim older than this was abandoned (crash) and may be taken over. */
  claimedUntilMs: epochMs,
  attempts: z.number().int().nonnegative(),
  outcome: z.object({ changed: z.boolean(), auditId: z.string().nullable(), note: z.string() }).nullable(),
  level: z.number(),
  costAmount: z.number(),
  budgetAmount: z.number(),
  currencyCode: z.string(),
  createdAtMs: epochMs,
  updatedAtMs: epochMs,
});
export type BudgetAlertRecord = z.infer<typeof budgetAlertRecordSchema>;

/** budgetAlerts/budget_{budget}: the newest cost interval seen, so a late notice of a finished month cannot pause the new one. */
export const budgetStateDocSchema = z.object({
  kind: z.literal('budget-state'),
  budgetId: z.string(),
  latestIntervalStartMs: epochMs,
  updatedAtMs: epochMs,
});
export type BudgetStateDoc = z.infer<typeof budgetStateDocSchema>;

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
