import { assertInvariant } from './errors';
import type { Micros } from './money';
import { assertSupported, type GenerationParams, type ModelId } from './models';
import { priceRow, type PriceBook } from './priceBook';

export interface Quote {
  priceBookVersion: string;
  model: ModelId;
  durationSeconds: number;
  resolution: GenerationParams['resolution'];
  generateAudio: boolean;
  numberOfVideos: number;
  microsPerSecond: Micros;
  /** What one returned video costs: the unit of maxPerVideo and of consent. */
  perVideoMicros: Micros;
  /** What the hold reserves: every requested video at full length. */
  totalMicros: Micros;
}

/** quote = durationSeconds × numberOfVideos × rate; throws VALIDATION_FAILED for unsupported parameters. */
export function quoteGeneration(book: PriceBook, params: GenerationParams): Quote {
  assertSupported(params);
  const row = priceRow(book, params.model, params.resolution, params.generateAudio);
  const perVideoMicros = row.microsPerSecond * params.durationSeconds;
  const totalMicros = perVideoMicros * params.numberOfVideos;
  assertInvariant(Number.isSafeInteger(totalMicros), 'quote overflowed');
  return {
    priceBookVersion: book.version,
    model: params.model,
    durationSeconds: params.durationSeconds,
    resolution: params.resolution,
    generateAudio: params.generateAudio,
    numberOfVideos: params.numberOfVideos,
    microsPerSecond: row.microsPerSecond,
    perVideoMicros,
    totalMicros,
  };
}

/**
 * Cost of what Veo actually returned: seconds × videos returned. Videos removed by the safety
 * filter are not billed, and the charge never exceeds the quote that was held.
 */
export function settledCostMicros(quote: Quote, videosReturned: number): Micros {
  assertInvariant(Number.isInteger(videosReturned) && videosReturned >= 0, `videosReturned must be a count, got ${videosReturned}`);
  const billable = Math.min(videosReturned, quote.numberOfVideos);
  return quote.perVideoMicros * billable;
}

/**
 * The same request on every other model that renders it for less, cheapest first. Used to list
 * options on /v1/quote and to degrade when the budget says so.
 */
export function cheaperAlternatives(book: PriceBook, params: GenerationParams): Quote[] {
  const original = quoteGeneration(book, params);
  const alternatives: Quote[] = [];
  const models = new Set(book.rows.map((row) => row.model));
  for (const model of models) {
    if (model === params.model) continue;
    try {
      const alternative = quoteGeneration(book, { ...params, model });
      if (alternative.totalMicros < original.totalMicros) alternatives.push(alternative);
    } catch {
      // That model cannot render these parameters: it is simply not an alternative.
    }
  }
  return alternatives.sort((a, b) => a.totalMicros - b.totalMicros);
}

/** Shorter clips are the other cheaper option the customer may allow (autopost). */
export function shorterAlternatives(book: PriceBook, params: GenerationParams): Quote[] {
  const original = quoteGeneration(book, params);
  const result: Quote[] = [];
  for (const durationSeconds of [4, 6] as const) {
    if (durationSeconds >= params.durationSeconds) continue;
    try {
      result.push(quoteGeneration(book, { ...params, durationSeconds }));
    } catch {
      // 1080p and 4k only render at 8 s.
    }
  }
  return result.filter((q) => q.totalMicros < original.totalMicros).sort((a, b) => a.totalMicros - b.totalMicros);
}
