import { z } from 'zod';
import { recordConsent } from '../../app/recordConsent';
import { usdToMicros } from '../../domain/money';
import { defineRoute } from '../route';

export const consentBody = z
  .object({
    priceBookVersion: z.string().min(1).max(64),
    /** Dollars as a JSON number or string with at most 6 decimals, e.g. 1.50. */
    maxUsdPerVideo: z
      .union([z.number(), z.string()])
      .transform((v, ctx) => {
        try {
          const micros = usdToMicros(v);
          if (micros <= 0 || micros > 1_000_000_000) throw new RangeError('out of range');
          return micros;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a positive USD amount up to 1000 with at most 6 decimals' });
          return z.NEVER;
        }
      }),
    allowCheaperModel: z.boolean().default(false),
  })
  .strict();

export const v1OnboardingConsent = defineRoute({
  method: 'POST',
  path: '/v1/onboarding/consent',
  access: 'user',
  summary: 'Accept the current price book and a maximum price per video; required before the first generation.',
  body: consentBody,
  response: { status: 200, description: '{consent}' },
  async handler({ body, principal, deps, nowMs, log }) {
    const consent = await recordConsent(
      deps,
      { accountId: principal!.accountId, priceBookVersion: body.priceBookVersion, maxMicrosPerVideo: body.maxUsdPerVideo, allowCheaperModel: body.allowCheaperModel, nowMs },
      log,
    );
    return { status: 200, body: { consent: { ...consent, at: new Date(consent.atMs).toISOString() } } };
  },
});
