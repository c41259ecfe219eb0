import { loadPriceBooks } from '../../functions/src/adapters/priceBookFile';
import { currentPriceBook, findPriceBook, priceRow } from '../../functions/src/domain/priceBook';
import { cheaperAlternatives, quoteGeneration, settledCostMicros, shorterAlternatives } from '../../functions/src/domain/quote';
import { MODEL_IDS, RESOLUTIONS, type GenerationParams } from '../../functions/src/domain/models';

const book = currentPriceBook(loadPriceBooks(), Date.parse('2026-12-04T00:00:00Z'));
const params = (overrides: Partial<GenerationParams> = {}): GenerationParams => ({
  model: 'veo-3.1-generate-001',
  durationSeconds: 8,
  resolution: '720p',
  generateAudio: true,
  numberOfVideos: 1,
  aspectRatio: '16:9',
  ...overrides,
});

// Every row of the seed price book, in USD per second as FACTS.md reports them.
const EXPECTED_USD_PER_SECOND: Array<[GenerationParams['model'], GenerationParams['resolution'], boolean, number]> = [
  ['veo-3.1-generate-001', '720p', true, 0.4],
  ['veo-3.1-generate-001', '1080p', true, 0.4],
  ['veo-3.1-generate-001', '4k', true, 0.6],
  ['veo-3.1-generate-001', '720p', false, 0.2],
  ['veo-3.1-generate-001', '1080p', false, 0.2],
  ['veo-3.1-generate-001', '4k', false, 0.6],
  ['veo-3.1-fast-generate-001', '720p', true, 0.1],
  ['veo-3.1-fast-generate-001', '1080p', true, 0.12],
  ['veo-3.1-fast-generate-001', '4k', true, 0.3],
  ['veo-3.1-fast-generate-001', '720p', false, 0.08],
  ['veo-3.1-fast-generate-001', '1080p', false, 0.1],
  ['veo-3.1-fast-generate-001', '4k', false, 0.25],
  ['veo-3.1-lite-generate-001', '720p', true, 0.05],
  ['veo-3.1-lite-generate-001', '1080p', true, 0.08],
  ['veo-3.1-lite-generate-001', '720p', false, 0.05],
  ['veo-3.1-lite-generate-001', '1080p', false, 0.08],
];

describe('price book', () => {
  it('has exactly the seeded rows', () => {
    expect(book.version).toBe('2026-11-veo31');
    expect(book.rows).toHaveLength(EXPECTED_USD_PER_SECOND.length);
  });

  it.each(EXPECTED_USD_PER_SECOND)('%s %s audio=%s costs $%d per second, quoted for 8 s × 2 videos', (model, resolution, generateAudio, usd) => {
    const micros = Math.round(usd * 1_000_000);
    expect(priceRow(book, model, resolution, generateAudio).microsPerSecond).toBe(micros);
    const quote = quoteGeneration(book, params({ model, resolution, generateAudio, numberOfVideos: 2 }));
    expect(quote.perVideoMicros).toBe(micros * 8);
    expect(quote.totalMicros).toBe(micros * 16);
    expect(quote.priceBookVersion).toBe(book.version);
  });

  it('refuses a price book version that does not exist and finds the seeded one', () => {
    expect(findPriceBook(loadPriceBooks(), 'nope')).toBeUndefined();
    expect(findPriceBook(loadPriceBooks(), book.version)).toBe(book);
  });

  it('has no book in force before the first effectiveFrom', () => {
    expect(() => currentPriceBook(loadPriceBooks(), Date.parse('2020-01-01T00:00:00Z'))).toThrow(/no price book/);
  });
});

describe('quote constraints', () => {
  it.each([4, 6, 8] as const)('accepts %i s at 720p on every model', (durationSeconds) => {
    for (const model of MODEL_IDS) expect(quoteGeneration(book, params({ model, durationSeconds })).durationSeconds).toBe(durationSeconds);
  });

  it.each([
    ['duration 5 s', { durationSeconds: 5 as never }, 'durationSeconds'],
    ['duration 10 s', { durationSeconds: 10 as never }, 'durationSeconds'],
    ['1080p at 4 s', { resolution: '1080p' as const, durationSeconds: 4 as const }, 'durationSeconds'],
    ['1080p at 6 s', { resolution: '1080p' as const, durationSeconds: 6 as const }, 'durationSeconds'],
    ['4k at 6 s', { resolution: '4k' as const, durationSeconds: 6 as const }, 'durationSeconds'],
    ['lite at 4k', { model: 'veo-3.1-lite-generate-001' as const, resolution: '4k' as const }, 'resolution'],
    ['0 videos', { numberOfVideos: 0 }, 'numberOfVideos'],
    ['5 videos', { numberOfVideos: 5 }, 'numberOfVideos'],
    ['1.5 videos', { numberOfVideos: 1.5 }, 'numberOfVideos'],
    ['aspect 4:3', { aspectRatio: '4:3' as never }, 'aspectRatio'],
  ])('refuses %s with VALIDATION_FAILED on %s', (_name, overrides, field) => {
    expect(() => quoteGeneration(book, params(overrides))).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field }) }));
  });

  it.each(RESOLUTIONS.filter((r) => r !== '720p'))('accepts %s at 8 s', (resolution) => {
    expect(quoteGeneration(book, params({ resolution })).resolution).toBe(resolution);
  });

  it.each([1, 2, 3, 4])('scales linearly with %i videos', (numberOfVideos) => {
    expect(quoteGeneration(book, params({ numberOfVideos })).totalMicros).toBe(3_200_000 * numberOfVideos);
  });
});

describe('settled cost', () => {
  const quote = quoteGeneration(book, params({ numberOfVideos: 3 }));
  it.each([
    [3, 9_600_000],
    [2, 6_400_000],
    [0, 0],
    [7, 9_600_000],
  ])('%i videos returned are charged %i micros', (returned, micros) => {
    expect(settledCostMicros(quote, returned)).toBe(micros);
  });
  it('refuses a negative count', () => expect(() => settledCostMicros(quote, -1)).toThrow(/invariant/));
});

describe('cheaper options', () => {
  it('lists Fast then Lite for a 3.1 720p request, cheapest first', () => {
    const options = cheaperAlternatives(book, params());
    expect(options.map((q) => q.model)).toEqual(['veo-3.1-lite-generate-001', 'veo-3.1-fast-generate-001']);
    expect(options.map((q) => q.totalMicros)).toEqual([400_000, 800_000]);
  });
  it('offers no Lite for 4k', () => {
    expect(cheaperAlternatives(book, params({ resolution: '4k' })).map((q) => q.model)).toEqual(['veo-3.1-fast-generate-001']);
  });
  it('offers shorter clips only where the resolution allows them', () => {
    expect(shorterAlternatives(book, params()).map((q) => q.durationSeconds)).toEqual([4, 6]);
    expect(shorterAlternatives(book, params({ resolution: '1080p' }))).toEqual([]);
  });
});
