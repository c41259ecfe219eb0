import { AggregateField, FieldPath, Filter, type Firestore, type Query } from '@google-cloud/firestore';
import { contractBackends, useBackend } from './backends';

/**
 * Every query feature the project may use, against the same seed on every backend. Expected
 * results (and their order) were checked on the official emulator.
 */
const CITIES: Record<string, Record<string, unknown>> = {
  sf: { name: 'San Francisco', state: 'CA', population: 860_000, tags: ['west', 'coast'], rank: 3, score: 1.5, meta: { level: 1 } },
  la: { name: 'Los Angeles', state: 'CA', population: 3_900_000, tags: ['west'], rank: 1, score: 2, meta: { level: 2 } },
  dc: { name: 'Washington', state: null, population: 680_000, tags: ['east', 'capital'], rank: 5, score: NaN },
  tok: { name: 'Tokyo', state: 'TK', population: 9_000_000, tags: ['asia'], rank: 2 },
  bj: { name: 'Beijing', population: 21_500_000, tags: ['asia', 'capital'], rank: 4, score: 3.5 },
  mixed: { name: 42, state: 'XX' },
};

async function ids(query: Query): Promise<string[]> {
  return (await query.get()).docs.map((doc) => doc.id);
}

describe.each(contractBackends())('Firestore queries on the %s emulator', (backendName) => {
  const backend = useBackend(backendName);
  let db: Firestore;
  let cities: ReturnType<Firestore['collection']>;

  beforeAll(async () => {
    db = backend.firestore('queries');
    cities = db.collection('cities');
    const batch = db.batch();
    for (const [id, data] of Object.entries(CITIES)) batch.set(cities.doc(id), data);
    batch.set(db.doc('cities/sf/landmarks/gg'), { kind: 'bridge' });
    batch.set(db.doc('cities/sf/landmarks/alcatraz'), { kind: 'island' });
    batch.set(db.doc('cities/bj/landmarks/forbidden'), { kind: 'palace' });
    batch.set(db.doc('other/x/landmarks/y'), { kind: 'bridge' });
    await batch.commit();
  });

  describe('filters', () => {
    it.each([
      ['==', () => cities.where('state', '==', 'CA'), ['la', 'sf']],
      ['!= (orders by the field, skips null and missing)', () => cities.where('state', '!=', 'CA'), ['tok', 'mixed']],
      ['<', () => cities.where('population', '<', 1_000_000), ['dc', 'sf']],
      ['<=', () => cities.where('population', '<=', 860_000), ['dc', 'sf']],
      ['>', () => cities.where('population', '>', 3_900_000), ['tok', 'bj']],
      ['>=', () => cities.where('population', '>=', 3_900_000), ['la', 'tok', 'bj']],
      ['in', () => cities.where('state', 'in', ['CA', 'TK']), ['la', 'sf', 'tok']],
      ['not-in', () => cities.where('state', 'not-in', ['CA']), ['tok', 'mixed']],
      ['array-contains', () => cities.where('tags', 'array-contains', 'capital'), ['bj', 'dc']],
      ['array-contains-any', () => cities.where('tags', 'array-contains-any', ['coast', 'asia']), ['bj', 'sf', 'tok']],
      ['== null', () => cities.where('state', '==', null), ['dc']],
      ['== NaN', () => cities.where('score', '==', NaN), ['dc']],
      ['!= null', () => cities.where('state', '!=', null), ['la', 'sf', 'tok', 'mixed']],
      ['!= NaN', () => cities.where('score', '!=', NaN), ['sf', 'la', 'bj']],
      ['range filters only match their own type', () => cities.where('name', '>', 'A'), ['bj', 'la', 'sf', 'tok', 'dc']],
      ['nested field', () => cities.where('meta.level', '==', 1), ['sf']],
      ['document id in', () => cities.where(FieldPath.documentId(), 'in', ['tok', 'la', 'nope']), ['la', 'tok']],
      ['document id range', () => cities.where(FieldPath.documentId(), '>=', cities.doc('mixed')).where(FieldPath.documentId(), '<', cities.doc('tok')), ['mixed', 'sf']],
      [
        'OR with an inequality (ordered by the inequality field)',
        () => cities.where(Filter.or(Filter.where('state', '==', 'CA'), Filter.where('rank', '<=', 2))),
        ['la', 'tok', 'sf'],
      ],
      [
        'AND of a range and an OR',
        () => cities.where(Filter.and(Filter.where('population', '>', 1_000_000), Filter.or(Filter.where('state', '==', 'CA'), Filter.where('tags', 'array-contains', 'capital')))),
        ['la', 'bj'],
      ],
      ['two equality filters', () => cities.where('state', '==', 'CA').where('rank', '==', 3), ['sf']],
    ] as const)('%s', async (_name, query, expected) => {
      expect(await ids(query())).toEqual(expected);
    });
  });

  describe('ordering, limits and cursors', () => {
    it.each([
      ['orderBy desc skips documents without the field', () => cities.orderBy('population', 'desc'), ['bj', 'tok', 'la', 'sf', 'dc']],
      ['two orderBys', () => cities.orderBy('state').orderBy('population', 'desc'), ['dc', 'la', 'sf', 'tok']],
      ['values of different types follow the type order', () => cities.orderBy('name'), ['mixed', 'bj', 'la', 'sf', 'tok', 'dc']],
      ['limit', () => cities.orderBy('population').limit(2), ['dc', 'sf']],
      ['limitToLast', () => cities.orderBy('population').limitToLast(2), ['tok', 'bj']],
      ['offset', () => cities.orderBy('population').offset(1).limit(2), ['sf', 'la']],
      ['startAt', () => cities.orderBy('population').startAt(860_000), ['sf', 'la', 'tok', 'bj']],
      ['startAfter', () => cities.orderBy('population').startAfter(860_000), ['la', 'tok', 'bj']],
      ['endAt', () => cities.orderBy('population').endAt(3_900_000), ['dc', 'sf', 'la']],
      ['endBefore', () => cities.orderBy('population').endBefore(3_900_000), ['dc', 'sf']],
      ['startAfter on a descending order', () => cities.orderBy('population', 'desc').startAfter(9_000_000), ['la', 'sf', 'dc']],
      ['cursor on two fields (skips documents without rank)', () => cities.orderBy('state').orderBy('rank').startAfter('CA', 1), ['sf', 'tok']],
      ['limitToLast with a cursor', () => cities.orderBy('population').endBefore(9_000_000).limitToLast(2), ['sf', 'la']],
    ] as const)('%s', async (_name, query, expected) => {
      expect(await ids(query())).toEqual(expected);
    });

    it('pages with a document snapshot cursor', async () => {
      const firstPage = await cities.orderBy('rank').limit(2).get();
      expect(firstPage.docs.map((doc) => doc.id)).toEqual(['la', 'tok']);
      const next = await ids(cities.orderBy('rank').startAfter(firstPage.docs[1]!).limit(2));
      expect(next).toEqual(['sf', 'bj']);
    });

    it('pages an inequality query with a document snapshot cursor (implicit order-bys)', async () => {
      const la = await cities.doc('la').get();
      expect(await ids(cities.where('population', '>', 700_000).startAfter(la))).toEqual(['tok', 'bj']);
    });
  });

  describe('projections', () => {
    it('select returns only the chosen fields', async () => {
      const snapshot = await cities.where('state', '==', 'CA').select('name', 'meta.level').get();
      expect(snapshot.docs.map((doc) => doc.data())).toEqual([
        { name: 'Los Angeles', meta: { level: 2 } },
        { name: 'San Francisco', meta: { level: 1 } },
      ]);
    });

    it('select() with no fields returns references only', async () => {
      const snapshot = await cities.orderBy('rank').limit(2).select().get();
      expect(snapshot.docs.map((doc) => [doc.id, doc.data()])).toEqual([
        ['la', {}],
        ['tok', {}],
      ]);
    });

    it('getAll with a field mask', async () => {
      const [sf] = await db.getAll(cities.doc('sf'), { fieldMask: ['state'] });
      expect(sf!.data()).toEqual({ state: 'CA' });
    });
  });

  describe('collection groups and descendants', () => {
    it('collectionGroup matches the collection id at any depth, ordered by full path', async () => {
      expect(await ids(db.collectionGroup('landmarks'))).toEqual(['forbidden', 'alcatraz', 'gg', 'y']);
      expect(await ids(db.collectionGroup('landmarks').where('kind', '==', 'bridge'))).toEqual(['gg', 'y']);
    });

    it('a collection query does not see subcollections', async () => {
      expect(await ids(db.collection('cities/sf/landmarks').orderBy('kind'))).toEqual(['gg', 'alcatraz']);
    });

    it('listCollections lists root and nested collection ids', async () => {
      expect((await db.listCollections()).map((collection) => collection.id)).toEqual(['cities', 'other']);
      expect((await cities.doc('sf').listCollections()).map((collection) => collection.id)).toEqual(['landmarks']);
    });

    it('listDocuments includes ids that only hold subcollections', async () => {
      expect((await db.collection('other').listDocuments()).map((ref) => ref.id)).toEqual(['x']);
      expect((await cities.listDocuments()).map((ref) => ref.id).sort()).toEqual(Object.keys(CITIES).sort());
    });
  });

  describe('aggregations', () => {
    it('count, sum and average', async () => {
      const snapshot = await cities.where('rank', '>=', 1).aggregate({ n: AggregateField.count(), total: AggregateField.sum('rank'), mean: AggregateField.average('rank') }).get();
      expect(snapshot.data()).toEqual({ n: 5, total: 15, mean: 3 });
      expect((await cities.where('state', '==', 'CA').count().get()).data().count).toBe(2);
      expect((await cities.limit(3).count().get()).data().count).toBe(3);
    });

    it('sum mixes integers and doubles; average of a field nobody has is null', async () => {
      expect((await cities.where('state', '==', 'CA').aggregate({ total: AggregateField.sum('score') }).get()).data()).toEqual({ total: 3.5 });
      expect((await cities.aggregate({ none: AggregateField.average('missing') }).get()).data()).toEqual({ none: null });
    });

    it('an aggregation only considers documents that have every summed or averaged field, before the limit', async () => {
      // bj, sf and la have a numeric score, dc has NaN; mixed and tok have no score.
      const withScore = await cities.aggregate({ n: AggregateField.count(), ranks: AggregateField.sum('rank') }).get();
      expect(withScore.data()).toEqual({ n: 5, ranks: 15 });
      const both = await cities.aggregate({ n: AggregateField.count(), total: AggregateField.sum('population'), none: AggregateField.average('missing') }).get();
      expect(both.data()).toEqual({ n: 0, total: 0, none: null });
      // The backend scans the summed field's index, so a limit keeps its smallest values: dc and sf.
      const limited = await cities.limit(2).aggregate({ n: AggregateField.count(), total: AggregateField.sum('population') }).get();
      expect(limited.data()).toEqual({ n: 2, total: 680_000 + 860_000 });
    });
  });
});
