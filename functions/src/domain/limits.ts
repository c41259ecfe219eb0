import { HOUR_MS, type AccountState, type GlobalControls } from './account';
import { DomainError } from './errors';
import type { Quote } from './quote';

/** Spendable credit of a prepaid account: what it bought minus what is already on hold. */
export function availableCreditMicros(account: AccountState): number {
  return account.creditMicros - account.heldMicros;
}

/** Starts still inside the sliding hour at `nowMs`, oldest first. */
export function startsInWindow(recentStartsMs: readonly number[], nowMs: number): number[] {
  return recentStartsMs.filter((at) => at > nowMs - HOUR_MS && at <= nowMs).sort((a, b) => a - b);
}

/**
 * Refuses a reservation the account may not make, with the first reason that applies, in the order
 * a customer can act on: a global pause first (nothing they can do), then consent, then limits.
 * `account` must already be rolled to the current period.
 */
export function checkReservation(account: AccountState, controls: GlobalControls, quote: Quote, nowMs: number): void {
  if (controls.generationPaused) {
    throw new DomainError('GENERATION_PAUSED', 'Video generation is paused for the platform; try again later.', {
      details: { reason: controls.reason },
      retryable: true,
    });
  }
  const consent = account.consent;
  if (!consent || consent.priceBookVersion !== quote.priceBookVersion) {
    throw new DomainError('ONBOARDING_REQUIRED', 'Accept the current prices before the first paid video (POST /v1/onboarding/consent).', {
      details: { priceBookVersion: quote.priceBookVersion, consentedVersion: consent?.priceBookVersion ?? null },
    });
  }
  if (quote.perVideoMicros > consent.maxMicrosPerVideo) {
    throw new DomainError('CONSENT_EXCEEDED', 'This video costs more per video than you agreed to.', {
      details: { perVideoMicros: quote.perVideoMicros, consentedMaxMicrosPerVideo: consent.maxMicrosPerVideo },
    });
  }
  if (quote.perVideoMicros > account.limits.maxPerVideoMicros) {
    throw new DomainError('QUOTA_EXCEEDED', 'This video costs more than the per-video limit of the account.', {
      details: { limit: 'maxPerVideoMicros', perVideoMicros: quote.perVideoMicros, maxPerVideoMicros: account.limits.maxPerVideoMicros },
    });
  }
  const window = startsInWindow(account.recentStartsMs, nowMs);
  if (window.length >= account.limits.maxGenerationsPerHour) {
    const oldest = window[window.length - account.limits.maxGenerationsPerHour] ?? nowMs;
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + HOUR_MS - nowMs) / 1000));
    throw new DomainError('RATE_LIMITED', `At most ${account.limits.maxGenerationsPerHour} generations per hour.`, {
      details: { limit: 'maxGenerationsPerHour', retryAfterSeconds },
      retryable: true,
    });
  }
  if (account.inFlight >= account.limits.maxInFlight) {
    throw new DomainError('RATE_LIMITED', `At most ${account.limits.maxInFlight} generations in flight at once.`, {
      details: { limit: 'maxInFlight', retryAfterSeconds: 30 },
      retryable: true,
    });
  }
  const committed = account.spentMicros + account.heldMicros;
  if (committed + quote.totalMicros > account.limits.monthlyCapMicros) {
    throw new DomainError('QUOTA_EXCEEDED', 'The monthly spending cap of the account would be exceeded.', {
      details: {
        limit: 'monthlyCapMicros',
        monthlyCapMicros: account.limits.monthlyCapMicros,
        remainingMicros: Math.max(0, account.limits.monthlyCapMicros - committed),
        requiredMicros: quote.totalMicros,
      },
    });
  }
  if (account.billingMode === 'prepaid' && availableCreditMicros(account) < quote.totalMicros) {
    throw new DomainError('QUOTA_EXCEEDED', 'Not enough prepaid credit for this video.', {
      details: { limit: 'creditMicros', availableMicros: Math.max(0, availableCreditMicros(account)), requiredMicros: quote.totalMicros },
    });
  }
}
