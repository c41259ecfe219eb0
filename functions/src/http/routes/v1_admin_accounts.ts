import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { adjustAccount } from '../../app/adjustAccount';
import { accountRef, entriesOf } from '../../adapters/firestore/refs';
import { BILLING_MODES } from '../../domain/account';
import { DomainError } from '../../domain/errors';
import { canonicalHash } from '../../domain/ids';
import { defineRoute } from '../route';
import { accountView } from '../views';

export const v1AdminAccountsGet = defineRoute({
  method: 'GET',
  path: '/v1/admin/accounts/:id',
  access: 'admin',
  summary: 'An account with its latest ledger entries.',
  response: { status: 200, description: '{account, entries}' },
  async handler({ params, deps }) {
    const account = (await accountRef(deps.db, params.id!).get()).data();
    if (!account) throw new DomainError('NOT_FOUND', 'Account not found.');
    const entries = await entriesOf(deps.db, params.id!).orderBy('createdAtMs', 'desc').limit(50).get();
    return {
      status: 200,
      body: { account: { ...accountView(params.id!, account), ownerUid: account.ownerUid }, entries: entries.docs.map((d) => ({ id: d.id, ...d.data() })) },
    };
  },
});

const micros = z.number().int().nonnegative().max(1e12);

export const adjustAccountBody = z
  .object({
    limits: z
      .object({
        monthlyCapMicros: micros.optional(),
        maxPerVideoMicros: micros.optional(),
        maxGenerationsPerHour: z.number().int().min(0).max(10_000).optional(),
        maxInFlight: z.number().int().min(0).max(1_000).optional(),
      })
      .strict()
      .optional(),
    plan: z.string().trim().min(1).max(64).optional(),
    billingMode: z.enum(BILLING_MODES).optional(),
    creditDeltaMicros: z.number().int().min(-1e12).max(1e12).refine((v) => v !== 0, 'must not be 0').optional(),
    reason: z.string().trim().min(3).max(500),
  })
  .strict()
  .refine((b) => b.limits || b.plan || b.billingMode || b.creditDeltaMicros, 'change at least one of limits, plan, billingMode, creditDeltaMicros');

export const v1AdminAccountsPatch = defineRoute({
  method: 'PATCH',
  path: '/v1/admin/accounts/:id',
  access: 'admin',
  summary: 'Set an account’s limits, plan, billing mode or prepaid credit; audited, idempotent with Idempotency-Key.',
  body: adjustAccountBody,
  response: { status: 200, description: '{account, applied}' },
  async handler({ req, params, body, principal, deps, nowMs, log }) {
    const key = req.get('idempotency-key');
    const requestId = key ? canonicalHash({ key, body }).slice(0, 32) : randomUUID();
    const { account, applied } = await adjustAccount(
      deps.db,
      { accountId: params.id!, ...body, actor: `admin:${principal!.email}`, requestId, nowMs },
      log,
    );
    return { status: 200, body: { account: accountView(params.id!, account), applied } };
  },
});
