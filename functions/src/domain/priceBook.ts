import { DomainError, assertInvariant } from './errors';
import { assertMicros, type Micros } from './money';
import type { ModelId, Resolution } from './models';

export interface PriceRow {
  model: ModelId;
  resolution: Resolution;
  generateAudio: boolean;
  microsPerSecond: Micros;
}

/** Prices are data with a version: consent and every ledger entry name the version they used. */
export interface PriceBook {
  version: string;
  effectiveFromMs: number;
  rows: readonly PriceRow[];
}

export function assertPriceBook(book: PriceBook): void {
  assertInvariant(book.version.length > 0, 'price book needs a version');
  const seen = new Set<string>();
  for (const row of book.rows) {
    assertMicros(row.microsPerSecond, `price of ${row.model} ${row.resolution}`);
    assertInvariant(row.microsPerSecond > 0, `price of ${row.model} ${row.resolution} must be positive`);
    const key = `${row.model}|${row.resolution}|${row.generateAudio}`;
    assertInvariant(!seen.has(key), `duplicate price row ${key} in ${book.version}`);
    seen.add(key);
  }
}

/** The book in force at `nowMs`: the latest one whose effectiveFrom has passed. */
export function currentPriceBook(books: readonly PriceBook[], nowMs: number): PriceBook {
  const inForce = books.filter((book) => book.effectiveFromMs <= nowMs).sort((a, b) => b.effectiveFromMs - a.effectiveFromMs);
  const book = inForce[0];
  assertInvariant(book, `no price book is in force at ${new Date(nowMs).toISOString()}`);
  return book;
}

export function findPriceBook(books: readonly PriceBook[], version: string): PriceBook | undefined {
  return books.find((book) => book.version === version);
}

export function priceRow(book: PriceBook, model: ModelId, resolution: Resolution, generateAudio: boolean): PriceRow {
  const row = book.rows.find((r) => r.model === model && r.resolution === resolution && r.generateAudio === generateAudio);
  if (!row) {
    throw new DomainError('VALIDATION_FAILED', `no price for ${model} at ${resolution}${generateAudio ? ' with' : ' without'} audio`, {
      details: { field: 'model', priceBookVersion: book.version },
    });
  }
  return row;
}
