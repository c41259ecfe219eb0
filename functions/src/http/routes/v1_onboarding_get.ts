import { accountRef } from '../../adapters/firestore/refs';
import { currentPriceBook } from '../../domain/priceBook';
import { defineRoute } from '../route';

export const v1OnboardingGet = defineRoute({
  method: 'GET',
  path: '/v1/onboarding',
  access: 'user',
  summary: 'What the customer must see before the first paid video: the price book in force and their consent, if any.',
  response: { status: 200, description: '{priceBook, consent, consentRequired}' },
  async handler({ principal, deps, nowMs }) {
    const book = currentPriceBook(deps.priceBooks, nowMs);
    const account = (await accountRef(deps.db, principal!.accountId).get()).data();
    const consent = account?.consent ?? null;
    return {
      status: 200,
      body: {
        priceBook: {
          version: book.version,
          effectiveFrom: new Date(book.effectiveFromMs).toISOString(),
          billing: 'per second of video returned; videos removed by the safety filter are not charged',
          rows: book.rows.map((r) => ({ ...r, usdPerSecond: r.microsPerSecond / 1_000_000 })),
        },
        consent,
        consentRequired: consent?.priceBookVersion !== book.version,
        limits: account?.limits ?? null,
      },
    };
  },
});
