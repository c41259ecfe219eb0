import { z } from 'zod';
import { reconcileGeneration } from '../../app/reconcileGeneration';
import { generationRef } from '../../adapters/firestore/refs';
import { DomainError } from '../../domain/errors';
import { defineRoute } from '../route';
import { generationView } from '../views';

export const resolveBody = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('release'), reason: z.string().trim().min(3).max(500) }).strict(),
  z.object({ outcome: z.literal('settle'), videosReturned: z.number().int().min(0).max(4), reason: z.string().trim().min(3).max(500) }).strict(),
]);

export const v1AdminGenerationsResolve = defineRoute({
  method: 'POST',
  path: '/v1/admin/generations/:id/resolve',
  access: 'admin',
  summary: 'Reconcile a generation whose Veo start outcome is unknown: release its hold, or settle the videos Veo billed; audited.',
  body: resolveBody,
  response: { status: 200, description: '{generation, resolvedNow}' },
  async handler({ params, body, principal, deps, nowMs, log }) {
    const existing = (await generationRef(deps.db, params.id!).get()).data();
    if (!existing) throw new DomainError('NOT_FOUND', 'Generation not found.');
    if (existing.status !== 'unknown' && existing.resolution === null) {
      throw new DomainError('CONFLICT', `Only generations in status unknown are reconciled by hand; this one is ${existing.status}.`, { details: { status: existing.status } });
    }
    const { reason, ...reconciliation } = body;
    const result = await reconcileGeneration(deps.db, { generationId: params.id!, reconciliation, reason, actor: `admin:${principal!.email}`, nowMs }, log);
    return { status: 200, body: { generation: generationView(params.id!, result.generation), resolvedNow: result.resolvedNow } };
  },
});
