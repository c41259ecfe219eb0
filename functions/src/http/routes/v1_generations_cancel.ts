import { cancelGeneration } from '../../app/cancelGeneration';
import { defineRoute } from '../route';
import { generationView } from '../views';

export const v1GenerationsCancel = defineRoute({
  method: 'POST',
  path: '/v1/generations/:id/cancel',
  access: 'user',
  summary: 'Cancel a generation that is still queued; its hold is released. Later states answer 409.',
  response: { status: 200, description: 'the cancelled generation' },
  async handler({ params, principal, deps, log, nowMs }) {
    const generation = await cancelGeneration(deps.db, { accountId: principal!.accountId, generationId: params.id!, nowMs, actor: `user:${principal!.sub}` }, log);
    return { status: 200, body: generationView(params.id!, generation) };
  },
});
