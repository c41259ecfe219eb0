import { z } from 'zod';
import { generationsCollection } from '../../adapters/firestore/refs';
import { DomainError } from '../../domain/errors';
import { defineRoute } from '../route';
import { generationView } from '../views';

const cursorSchema = z.object({ t: z.number().int().nonnegative(), id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/) });

function decodeCursor(cursor: string): z.infer<typeof cursorSchema> {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new DomainError('VALIDATION_FAILED', 'The cursor is not one this API returned.', { details: { field: 'cursor' } });
  }
}

const encodeCursor = (t: number, id: string) => Buffer.from(JSON.stringify({ t, id })).toString('base64url');

export const v1GenerationsList = defineRoute({
  method: 'GET',
  path: '/v1/generations',
  access: 'user',
  summary: 'The caller’s generations, newest first, a page at a time (cursor from nextCursor).',
  query: z.object({
    cursor: z.string().max(512).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  }),
  response: { status: 200, description: '{generations, nextCursor}' },
  async handler({ query, principal, deps }) {
    let q = generationsCollection(deps.db)
      .where('accountId', '==', principal!.accountId)
      .orderBy('createdAtMs', 'desc')
      .orderBy('__name__', 'desc')
      .limit(query.limit + 1);
    if (query.cursor) {
      const { t, id } = decodeCursor(query.cursor);
      q = q.startAfter(t, id);
    }
    const page = await q.get();
    const docs = page.docs.slice(0, query.limit);
    const last = docs[docs.length - 1];
    return {
      status: 200,
      body: {
        generations: docs.map((d) => generationView(d.id, d.data())),
        nextCursor: page.docs.length > query.limit && last ? encodeCursor(last.data().createdAtMs, last.id) : null,
      },
    };
  },
});
