import { accountRef } from '../../adapters/firestore/refs';
import { DomainError } from '../../domain/errors';
import { currentPriceBook } from '../../domain/priceBook';
import { defineRoute } from '../route';
import { accountView } from '../views';

export const v1Me = defineRoute({
  method: 'GET',
  path: '/v1/me',
  access: 'user',
  summary: 'The caller’s account: plan, limits, consent, period usage, and whether onboarding is still needed.',
  response: { status: 200, description: 'account view' },
  async handler({ principal, deps, nowMs }) {
    const account = (await accountRef(deps.db, principal!.accountId).get()).data();
    if (!account) throw new DomainError('NOT_FOUND', 'Account not found.');
    const book = currentPriceBook(deps.priceBooks, nowMs);
    return {
      status: 200,
      body: {
        account: accountView(principal!.accountId, account),
        email: principal!.email,
        isAdmin: principal!.isAdmin,
        priceBookVersion: book.version,
        onboardingRequired: account.consent?.priceBookVersion !== book.version,
      },
    };
  },
});
