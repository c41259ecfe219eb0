import { z } from 'zod';
import { assertPriceBook, type PriceBook } from '../domain/priceBook';
import { MODEL_IDS, RESOLUTIONS } from '../domain/models';
import priceBookData from '../data/priceBooks.json';

const priceBooksFileSchema = z.object({
  priceBooks: z.array(
    z.object({
      version: z.string().min(1),
      effectiveFrom: z.iso.datetime(),
      currency: z.literal('USD'),
      source: z.string(),
      rows: z.array(
        z.object({
          model: z.enum(MODEL_IDS),
          resolution: z.enum(RESOLUTIONS),
          generateAudio: z.boolean(),
          microsPerSecond: z.number().int().positive(),
        }),
      ),
    }),
  ),
});

let cached: PriceBook[] | undefined;

/** The versioned price books shipped with the code (functions/src/data/priceBooks.json), validated once. */
export function loadPriceBooks(): PriceBook[] {
  if (!cached) {
    const file = priceBooksFileSchema.parse(priceBookData);
    cached = file.priceBooks.map((book) => ({ version: book.version, effectiveFromMs: Date.parse(book.effectiveFrom), rows: book.rows }));
    cached.forEach(assertPriceBook);
  }
  return cached;
}
