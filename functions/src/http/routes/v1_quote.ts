import { z } from 'zod';
import { currentPriceBook } from '../../domain/priceBook';
import { cheaperAlternatives, quoteGeneration, shorterAlternatives } from '../../domain/quote';
import { aspectRatioField, booleanQuery, modelField, resolutionField } from '../apiSchemas';
import { defineRoute } from '../route';
import { quoteView } from '../views';

export const quoteQuery = z.object({
  model: modelField,
  durationSeconds: z.enum(['4', '6', '8']).transform((v) => Number(v) as 4 | 6 | 8),
  resolution: resolutionField.default('720p'),
  generateAudio: booleanQuery.default(false),
  numberOfVideos: z.coerce.number().int().min(1).max(4).default(1),
  aspectRatio: aspectRatioField.default('16:9'),
});

export const v1Quote = defineRoute({
  method: 'GET',
  path: '/v1/quote',
  access: 'public',
  summary: 'Price of a generation under the current price book, with cheaper models and shorter clips that would do.',
  query: quoteQuery,
  response: { status: 200, description: '{quote, cheaperModels, shorterClips}' },
  async handler({ query, deps, nowMs }) {
    const book = currentPriceBook(deps.priceBooks, nowMs);
    return {
      status: 200,
      body: {
        quote: quoteView(quoteGeneration(book, query)),
        cheaperModels: cheaperAlternatives(book, query).map(quoteView),
        shorterClips: shorterAlternatives(book, query).map(quoteView),
      },
    };
  },
});
