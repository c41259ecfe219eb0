import { HOUR_MS, periodKeyOf, type AccountState } from './account';
import { assertInvariant } from './errors';
import { assertMicros, type Micros } from './money';

/**
 * Two-phase ledger (after TigerBeetle's pending transfers): a hold reserves the quote; exactly one
 * resolution (settle, release or expire) closes it. Entries are immutable and carry the deltas they
 * applied to the account, so account totals can always be recomputed from entries.
 */
export const ENTRY_KINDS = ['hold', 'settle', 'release', 'expire', 'credit', 'refund', 'adjust'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];
export const RESOLUTION_KINDS = ['settle', 'release', 'expire'] as const;
export type ResolutionKind = (typeof RESOLUTION_KINDS)[number];

export interface LedgerEntry {
  id: string;
  kind: EntryKind;
  accountId: string;
  generationId: string | null;
  /** The amount the entry is about: held, charged, released or credited. */
  amountMicros: Micros;
  heldDeltaMicros: number;
  spentDeltaMicros: number;
  creditDeltaMicros: number;
  /** Calendar month the spent delta counts in. */
  periodKey: string;
  priceBookVersion: string | null;
  /** The Veo model a generation entry is for, so usage can be broken down by model from entries alone. */
  model: string | null;
  createdAtMs: number;
  actor: string;
  reason: string;
}

/** Entry ids are derived from the generation and the step, so a replayed step finds its entry instead of adding one. */
export function holdEntryId(generationId: string): string {
  return `${generationId}.hold`;
}

/** One id for every kind of resolution: a settle and a release racing for one hold cannot both be written. */
export function resolutionEntryId(generationId: string): string {
  return `${generationId}.resolution`;
}

/** Starts the new calendar month: spending counts from zero, holds carry over. */
export function rollPeriod(account: AccountState, nowMs: number): AccountState {
  const periodKey = periodKeyOf(nowMs);
  if (account.periodKey === periodKey) return account;
  return { ...account, periodKey, spentMicros: 0 };
}

/** What a generation entry is priced by. */
export interface PricedBy {
  priceBookVersion: string;
  model: string;
}

interface EntryContext {
  generationId: string | null;
  priceBookVersion: string | null;
  model: string | null;
  nowMs: number;
  actor: string;
  reason: string;
}

function entry(
  account: AccountState,
  id: string,
  kind: EntryKind,
  amountMicros: Micros,
  deltas: { held?: number; spent?: number; credit?: number },
  context: EntryContext,
): LedgerEntry {
  assertMicros(amountMicros, `${kind} amount`);
  return {
    id,
    kind,
    accountId: account.id,
    generationId: context.generationId,
    amountMicros,
    heldDeltaMicros: deltas.held ?? 0,
    spentDeltaMicros: deltas.spent ?? 0,
    creditDeltaMicros: deltas.credit ?? 0,
    periodKey: account.periodKey,
    priceBookVersion: context.priceBookVersion,
    model: context.model,
    createdAtMs: context.nowMs,
    actor: context.actor,
    reason: context.reason,
  };
}

export interface Transition {
  account: AccountState;
  entry: LedgerEntry;
}

/** Applies an entry's deltas; the single place account totals change. */
function apply(account: AccountState, e: LedgerEntry, inFlightDelta: number): AccountState {
  const next: AccountState = {
    ...account,
    heldMicros: account.heldMicros + e.heldDeltaMicros,
    spentMicros: account.spentMicros + e.spentDeltaMicros,
    creditMicros: account.creditMicros + e.creditDeltaMicros,
    inFlight: account.inFlight + inFlightDelta,
  };
  assertInvariant(next.heldMicros >= 0, `held would go below zero on ${account.id}`);
  assertInvariant(next.spentMicros >= 0, `spent would go below zero on ${account.id}`);
  assertInvariant(next.creditMicros >= 0, `credit would go below zero on ${account.id}`);
  assertInvariant(next.inFlight >= 0, `inFlight would go below zero on ${account.id}`);
  return next;
}

/** Reserves `holdMicros` for a generation (limits already checked) and records the start in the hourly window. */
export function hold(account: AccountState, generationId: string, holdMicros: Micros, pricedBy: PricedBy, nowMs: number, actor: string): Transition {
  assertInvariant(holdMicros > 0, 'a hold must reserve something');
  const e = entry(account, holdEntryId(generationId), 'hold', holdMicros, { held: holdMicros }, {
    generationId,
    priceBookVersion: pricedBy.priceBookVersion,
    model: pricedBy.model,
    nowMs,
    actor,
    reason: 'generation requested',
  });
  const next = apply(account, e, +1);
  const recentStartsMs = [...account.recentStartsMs.filter((at) => at > nowMs - HOUR_MS), nowMs];
  return { account: { ...next, recentStartsMs }, entry: e };
}

/** Charges the actual cost (never above the hold) and releases the rest of the hold in the same entry. */
export function settle(
  account: AccountState,
  generationId: string,
  holdMicros: Micros,
  costMicros: Micros,
  pricedBy: PricedBy,
  nowMs: number,
  actor: string,
): Transition {
  assertMicros(costMicros, 'settled cost');
  assertInvariant(costMicros <= holdMicros, `settled cost ${costMicros} exceeds hold ${holdMicros} of ${generationId}`);
  const prepaid = account.billingMode === 'prepaid';
  const e = entry(account, resolutionEntryId(generationId), 'settle', costMicros, {
    held: -holdMicros,
    spent: costMicros,
    credit: prepaid ? -costMicros : 0,
  }, { generationId, priceBookVersion: pricedBy.priceBookVersion, model: pricedBy.model, nowMs, actor, reason: `charged ${costMicros}, released ${holdMicros - costMicros}` });
  return { account: apply(account, e, -1), entry: e };
}

/** Gives the whole hold back: cancelled, failed before any video, or expired. */
export function release(
  account: AccountState,
  generationId: string,
  holdMicros: Micros,
  kind: 'release' | 'expire',
  pricedBy: PricedBy,
  nowMs: number,
  actor: string,
  reason: string,
): Transition {
  const e = entry(account, resolutionEntryId(generationId), kind, holdMicros, { held: -holdMicros }, {
    generationId,
    priceBookVersion: pricedBy.priceBookVersion,
    model: pricedBy.model,
    nowMs,
    actor,
    reason,
  });
  return { account: apply(account, e, -1), entry: e };
}

/** Adds prepaid credit (credit pack bought, refund as credit). `entryId` comes from the external event, so a replay adds nothing. */
export function credit(account: AccountState, entryId: string, amountMicros: Micros, nowMs: number, actor: string, reason: string): Transition {
  assertInvariant(amountMicros > 0, 'a credit must add something');
  const e = entry(account, entryId, 'credit', amountMicros, { credit: amountMicros }, {
    generationId: null,
    priceBookVersion: null,
    model: null,
    nowMs,
    actor,
    reason,
  });
  return { account: apply(account, e, 0), entry: e };
}

/**
 * An audited manual change of prepaid credit by an operator. Credit may not drop below what is on
 * hold, or holds already granted could no longer be paid.
 */
export function adjustCredit(account: AccountState, entryId: string, deltaMicros: number, nowMs: number, actor: string, reason: string): Transition {
  assertInvariant(Number.isSafeInteger(deltaMicros) && deltaMicros !== 0, 'an adjustment must change something');
  assertInvariant(account.creditMicros + deltaMicros >= (account.billingMode === 'prepaid' ? account.heldMicros : 0), 'credit would drop below what is on hold');
  const e = entry(account, entryId, 'adjust', Math.abs(deltaMicros), { credit: deltaMicros }, {
    generationId: null,
    priceBookVersion: null,
    model: null,
    nowMs,
    actor,
    reason,
  });
  return { account: apply(account, e, 0), entry: e };
}
