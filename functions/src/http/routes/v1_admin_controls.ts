import { z } from 'zod';
import { changeControls } from '../../app/changeControls';
import { controlsRef, toControls } from '../../adapters/firestore/refs';
import { modelField } from '../apiSchemas';
import { defineRoute } from '../route';

const controlsView = (c: ReturnType<typeof toControls>) => ({ ...c, since: new Date(c.sinceMs).toISOString() });

export const v1AdminControlsGet = defineRoute({
  method: 'GET',
  path: '/v1/admin/controls',
  access: 'admin',
  summary: 'The global generation controls (pause flag, degrade model), with who set them and why.',
  response: { status: 200, description: 'controls' },
  async handler({ deps }) {
    return { status: 200, body: controlsView(toControls((await controlsRef(deps.db).get()).data())) };
  },
});

export const controlsBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('pause'), reason: z.string().trim().min(3).max(500) }).strict(),
  z.object({ action: z.literal('resume'), reason: z.string().trim().min(3).max(500) }).strict(),
  z.object({ action: z.literal('degrade'), model: modelField, reason: z.string().trim().min(3).max(500) }).strict(),
  z.object({ action: z.literal('undegrade'), reason: z.string().trim().min(3).max(500) }).strict(),
]);

export const v1AdminControlsSet = defineRoute({
  method: 'POST',
  path: '/v1/admin/controls',
  access: 'admin',
  summary: 'Pause, resume, degrade or undegrade generation for the whole platform; audited.',
  body: controlsBody,
  response: { status: 200, description: '{controls, changed}' },
  async handler({ body, principal, deps, nowMs, log }) {
    const { reason, ...change } = body;
    const result = await changeControls(deps.db, { change, reason, by: `admin:${principal!.email}`, nowMs, source: 'admin' }, log);
    return { status: 200, body: { controls: controlsView(result.after), changed: result.changed } };
  },
});
