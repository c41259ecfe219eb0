import type { Consent, GlobalControls } from './account';
import type { GenerationParams } from './models';
import type { PriceBook } from './priceBook';
import { quoteGeneration, type Quote } from './quote';

export interface DecidedQuote {
  quote: Quote;
  /** Set when the budget degraded the request to a cheaper model the customer allowed. */
  degradedFrom: GenerationParams['model'] | null;
}

/**
 * The quote a reservation holds. When the platform budget is degraded and the customer consented
 * to cheaper models, the request moves to the degrade model — only if that is really cheaper, so a
 * degrade never raises a hold.
 */
export function decideQuote(book: PriceBook, params: GenerationParams, controls: GlobalControls, consent: Consent | null): DecidedQuote {
  const original = quoteGeneration(book, params);
  const target = controls.degradeToModel;
  if (!target || target === params.model || !consent?.allowCheaperModel) return { quote: original, degradedFrom: null };
  let cheaper: Quote;
  try {
    cheaper = quoteGeneration(book, { ...params, model: target });
  } catch {
    return { quote: original, degradedFrom: null };
  }
  if (cheaper.totalMicros >= original.totalMicros) return { quote: original, degradedFrom: null };
  return { quote: cheaper, degradedFrom: params.model };
}
