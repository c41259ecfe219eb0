import type { Micros } from './money';
import type { ModelId } from './models';

export const BILLING_MODES = ['payg', 'prepaid'] as const;
/** payg: charged per generation (Stripe), bounded by the monthly cap. prepaid: also bounded by bought credit. */
export type BillingMode = (typeof BILLING_MODES)[number];

export interface AccountLimits {
  monthlyCapMicros: Micros;
  maxPerVideoMicros: Micros;
  maxGenerationsPerHour: number;
  maxInFlight: number;
}

export interface Consent {
  priceBookVersion: string;
  maxMicrosPerVideo: Micros;
  allowCheaperModel: boolean;
  atMs: number;
}

/** The money-relevant state of one account, as the pure rules see it. */
export interface AccountState {
  id: string;
  billingMode: BillingMode;
  limits: AccountLimits;
  /** Calendar month (UTC) the period totals belong to, e.g. "2026-12". */
  periodKey: string;
  spentMicros: Micros;
  heldMicros: Micros;
  creditMicros: Micros;
  /** Reservation times in the last hour, oldest first: the sliding window of maxGenerationsPerHour. */
  recentStartsMs: number[];
  inFlight: number;
  consent: Consent | null;
}

export interface GlobalControls {
  generationPaused: boolean;
  degradeToModel: ModelId | null;
  reason: string;
  sinceMs: number;
  by: string;
}

export const DEFAULT_CONTROLS: GlobalControls = {
  generationPaused: false,
  degradeToModel: null,
  reason: 'default',
  sinceMs: 0,
  by: 'system',
};

export const HOUR_MS = 3_600_000;

export function periodKeyOf(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 7);
}
