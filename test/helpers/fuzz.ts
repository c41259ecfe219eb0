/**
 * Deterministic malformed request bodies: every case breaks at least one rule of its route's
 * schema, so any 2xx answer is a bug. The seed makes a failure reproducible.
 */
export interface FuzzCase {
  path: string;
  contentType: string;
  raw: string;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID_GENERATION = {
  prompt: 'a paper boat',
  model: 'veo-3.1-fast-generate-001',
  durationSeconds: 4,
  resolution: '720p',
  aspectRatio: '16:9',
  generateAudio: false,
  numberOfVideos: 1,
};

const BAD_VALUES: Record<string, unknown[]> = {
  prompt: ['', '   ', null, 42, true, [], {}, 'x'.repeat(2001), 'bell\u0007', 'nul\u0000byte', ['a']],
  model: ['veo-2', 'VEO-3.1-GENERATE-001', '', null, 3, 'veo-3.0-generate-001', {}, 'veo-3.1-generate-001 '],
  durationSeconds: [5, 0, -4, 4.5, '4', null, 10, 1e309, [], 'eight', 7.999999],
  resolution: ['480p', '4K', '1080', '', null, 720, {}],
  aspectRatio: ['4:3', '16x9', '', null, 1.77],
  generateAudio: ['true', 'yes', 1, 0, null, {}],
  numberOfVideos: [0, 5, -1, 1.5, '2', null, 1e6, []],
  negativePrompt: ['', 7, null, 'y'.repeat(2001), {}],
};

const VALID_CONSENT = { priceBookVersion: '2026-11-veo31', maxUsdPerVideo: 1, allowCheaperModel: false };
const BAD_CONSENT: Record<string, unknown[]> = {
  priceBookVersion: ['', null, 1, 'x'.repeat(65), {}],
  maxUsdPerVideo: [0, -1, '1.1234567', 'one', null, 1e9, '', [], 1001],
  allowCheaperModel: ['no', 1, null, {}],
};

const NOT_OBJECTS = ['null', '1', '"text"', '[]', '[{}]', 'true', '{}', '""'];
const PROTO_KEYS = ['{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"x":1}}}'];

function pick<T>(rand: () => number, values: readonly T[]): T {
  return values[Math.floor(rand() * values.length)]!;
}

function mutate(rand: () => number, valid: Record<string, unknown>, bad: Record<string, unknown[]>, required: readonly string[]): Record<string, unknown> {
  const body: Record<string, unknown> = { ...valid };
  const fields = Object.keys(bad);
  const breaks = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < breaks; i += 1) {
    const roll = rand();
    if (roll < 0.7) {
      const field = pick(rand, fields);
      body[field] = pick(rand, bad[field]!);
    } else if (roll < 0.85) {
      // A required field missing (the others have defaults).
      delete body[pick(rand, required)];
    } else {
      body[pick(rand, ['extra', 'holdMicros', 'accountId', 'costMicros', 'status'])] = pick(rand, [0, 'x', true, null]);
    }
  }
  return body;
}

export function fuzzedBodies(seed: number, count: number): FuzzCase[] {
  const rand = mulberry32(seed);
  const cases: FuzzCase[] = [];
  for (let i = 0; i < count; i += 1) {
    const roll = rand();
    if (roll < 0.65) {
      cases.push({ path: '/v1/generations', contentType: 'application/json', raw: JSON.stringify(mutate(rand, VALID_GENERATION, BAD_VALUES, ['prompt', 'model', 'durationSeconds'])) });
    } else if (roll < 0.8) {
      cases.push({ path: '/v1/onboarding/consent', contentType: 'application/json', raw: JSON.stringify(mutate(rand, VALID_CONSENT, BAD_CONSENT, ['priceBookVersion', 'maxUsdPerVideo'])) });
    } else if (roll < 0.88) {
      cases.push({ path: pick(rand, ['/v1/generations', '/v1/onboarding/consent']), contentType: 'application/json', raw: pick(rand, [...NOT_OBJECTS, ...PROTO_KEYS]) });
    } else if (roll < 0.94) {
      // A valid body under the wrong content type is still refused: JSON only.
      cases.push({ path: '/v1/generations', contentType: pick(rand, ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']), raw: JSON.stringify(VALID_GENERATION) });
    } else {
      // Not JSON at all, claiming to be JSON.
      const valid = JSON.stringify(VALID_GENERATION);
      cases.push({ path: '/v1/generations', contentType: 'application/json', raw: valid.slice(0, Math.max(1, Math.floor(rand() * valid.length))) + pick(rand, ['', '}}', '\u0000', '{']) });
    }
  }
  return cases;
}
