import { defineRoute } from '../route';

export const healthz = defineRoute({
  method: 'GET',
  path: '/healthz',
  access: 'public',
  summary: 'Liveness.',
  response: { status: 200, description: '{status: "ok"}' },
  async handler() {
    return { status: 200, body: { status: 'ok' } };
  },
});
