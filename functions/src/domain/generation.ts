import { DomainError } from './errors';

/**
 * queued ─claim─> starting ─Veo accepted─> running ─done─> succeeded | failed
 *   │  │              │ └─ 429/5xx before acceptance ─> queued (nothing was billed)
 *   │  └─cancel─> cancelled        └─ crash, acceptance unknown ─> unknown (hold kept)
 *   └─hold expired─> expired
 */
export const GENERATION_STATUSES = ['queued', 'starting', 'running', 'succeeded', 'failed', 'cancelled', 'expired', 'unknown'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

const TRANSITIONS: Record<GenerationStatus, readonly GenerationStatus[]> = {
  queued: ['starting', 'cancelled', 'expired', 'failed'],
  starting: ['running', 'queued', 'failed', 'unknown'],
  running: ['succeeded', 'failed', 'unknown'],
  // An operator (or the sweeper with the operation name found later) reconciles an unknown start.
  unknown: ['running', 'succeeded', 'failed'],
  succeeded: [],
  failed: [],
  cancelled: [],
  expired: [],
};

export const TERMINAL_STATUSES: readonly GenerationStatus[] = ['succeeded', 'failed', 'cancelled', 'expired'];

export function isTerminal(status: GenerationStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: GenerationStatus, to: GenerationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: GenerationStatus, to: GenerationStatus, generationId: string): void {
  if (!canTransition(from, to)) {
    throw new DomainError('CONFLICT', `generation ${generationId} cannot go from ${from} to ${to}`, {
      details: { generationId, from, to },
    });
  }
}
