import { z } from 'zod';
import { usageReport } from '../../app/usageReport';
import { defineRoute } from '../route';

export const v1Usage = defineRoute({
  method: 'GET',
  path: '/v1/usage',
  access: 'user',
  summary: 'Spent, held and remaining for a calendar month (UTC, default the current one), with a per-model breakdown from the ledger.',
  query: z.object({ period: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM').optional() }),
  response: { status: 200, description: 'usage report' },
  async handler({ query, principal, deps, nowMs }) {
    return { status: 200, body: await usageReport(deps.db, { accountId: principal!.accountId, periodKey: query.period, nowMs }) };
  },
});
