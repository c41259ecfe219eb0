import { generationRef } from '../../adapters/firestore/refs';
import { DomainError } from '../../domain/errors';
import { defineRoute } from '../route';
import { generationView } from '../views';

export const v1GenerationsGet = defineRoute({
  method: 'GET',
  path: '/v1/generations/:id',
  access: 'user',
  summary: 'One generation: status, cost and video URLs.',
  response: { status: 200, description: 'the generation' },
  async handler({ params, principal, deps }) {
    const generation = (await generationRef(deps.db, params.id!).get()).data();
    // Someone else's generation is answered exactly like a missing one: ids are not an oracle.
    if (!generation || generation.accountId !== principal!.accountId) throw new DomainError('NOT_FOUND', 'Generation not found.');
    return { status: 200, body: generationView(params.id!, generation) };
  },
});
