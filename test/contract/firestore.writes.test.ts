import { Firestore, FieldValue, GeoPoint, Timestamp, type DocumentReference } from '@google-cloud/firestore';
import { contractBackends, uniqueProject, useBackend } from './backends';

/** Writes, field transforms, BulkWriter, listings and the emulator's HTTP endpoints, on every backend. */
describe.each(contractBackends())('Firestore writes on the %s emulator', (backendName) => {
  const backend = useBackend(backendName);
  let db: Firestore;
  beforeAll(() => {
    db = backend.firestore('writes');
  });

  const data = async (ref: DocumentReference) => (await ref.get()).data();

  describe('field transforms', () => {
    it('increment adds integers exactly, switches to double when either side is one, and replaces non-numbers', async () => {
      const ref = db.doc('transforms/increment');
      await ref.set({ int: 5, double: 1.5, text: 'x' });
      await ref.update({ int: FieldValue.increment(2), double: FieldValue.increment(1), text: FieldValue.increment(3), missing: FieldValue.increment(4) });
      expect(await data(ref)).toEqual({ int: 7, double: 2.5, text: 3, missing: 4 });
    });

    it('50 concurrent increments all count', async () => {
      const ref = db.doc('transforms/concurrent');
      await ref.set({ n: 0 });
      await Promise.all(Array.from({ length: 50 }, () => ref.update({ n: FieldValue.increment(1) })));
      expect((await ref.get()).get('n')).toBe(50);
    });

    it('serverTimestamp is the request time in milliseconds, the same for every field, not after the commit', async () => {
      const ref = db.doc('transforms/time');
      const beforeMs = Date.now();
      const result = await ref.set({ at: FieldValue.serverTimestamp(), nested: { at: FieldValue.serverTimestamp() } });
      const snapshot = await ref.get();
      const at = snapshot.get('at') as Timestamp;
      expect(at.nanoseconds % 1_000_000).toBe(0);
      expect(at.toMillis()).toBeGreaterThanOrEqual(beforeMs - 1000);
      expect(at.toMillis()).toBeLessThanOrEqual(result.writeTime.toMillis());
      expect((snapshot.get('nested.at') as Timestamp).isEqual(at)).toBe(true);
      expect(snapshot.updateTime!.isEqual(result.writeTime)).toBe(true);
    });

    it('arrayUnion appends missing elements once; arrayRemove removes every equal element', async () => {
      const ref = db.doc('transforms/arrays');
      await ref.set({ tags: ['a', 'b'], nums: [1, 2, 3, 2], objects: [{ k: 1 }, { k: 2 }] });
      await ref.update({
        tags: FieldValue.arrayUnion('b', 'c', 'c'),
        nums: FieldValue.arrayRemove(2),
        objects: FieldValue.arrayRemove({ k: 1 }),
        fresh: FieldValue.arrayUnion('x'),
        gone: FieldValue.arrayRemove('y'),
      });
      expect(await data(ref)).toEqual({ tags: ['a', 'b', 'c'], nums: [1, 3], objects: [{ k: 2 }], fresh: ['x'], gone: [] });
    });

    it('maximum and minimum keep the larger / smaller value and set missing fields', async () => {
      const ref = db.doc('transforms/extremes');
      await ref.set({ high: 3, low: 3, floor: 10 });
      await ref.update({ high: FieldValue.maximum(5), low: FieldValue.minimum(5), floor: FieldValue.minimum(2.5), fresh: FieldValue.maximum(7) });
      expect(await data(ref)).toEqual({ high: 5, low: 3, floor: 2.5, fresh: 7 });
    });

    it('transforms in a transaction apply to the transaction-written values', async () => {
      const ref = db.doc('transforms/tx');
      await db.runTransaction(async (tx) => {
        await tx.get(ref);
        tx.set(ref, { n: 1, list: ['a'] });
        tx.update(ref, { n: FieldValue.increment(1), list: FieldValue.arrayUnion('b') });
      });
      expect(await data(ref)).toEqual({ n: 2, list: ['a', 'b'] });
    });
  });

  describe('masks, merges and deletes', () => {
    it('update with dotted paths changes only those leaves; FieldValue.delete removes fields', async () => {
      const ref = db.doc('masks/update');
      await ref.set({ a: { b: 1, c: 2 }, d: 3, e: 4 });
      await ref.update({ 'a.b': 10, d: FieldValue.delete(), 'a.c': FieldValue.delete() });
      expect(await data(ref)).toEqual({ a: { b: 10 }, e: 4 });
    });

    it('set with merge merges nested maps and deletes with FieldValue.delete', async () => {
      const ref = db.doc('masks/merge');
      await ref.set({ a: { b: 1, c: 2 }, keep: true, drop: 1 });
      await ref.set({ a: { c: 3, d: 4 }, drop: FieldValue.delete() }, { merge: true });
      expect(await data(ref)).toEqual({ a: { b: 1, c: 3, d: 4 }, keep: true });
    });

    it('set with mergeFields writes only the named fields', async () => {
      const ref = db.doc('masks/mergeFields');
      await ref.set({ a: 1, b: 1, c: { x: 1, y: 1 } });
      await ref.set({ a: 2, b: 2, c: { x: 2, y: 2 } }, { mergeFields: ['a', 'c.x'] });
      expect(await data(ref)).toEqual({ a: 2, b: 1, c: { x: 2, y: 1 } });
    });

    it('set without merge replaces the whole document but keeps its createTime', async () => {
      const ref = db.doc('masks/replace');
      await ref.set({ a: 1, b: 2 });
      const created = (await ref.get()).createTime!;
      await ref.set({ c: 3 });
      const snapshot = await ref.get();
      expect(snapshot.data()).toEqual({ c: 3 });
      expect(snapshot.createTime!.isEqual(created)).toBe(true);
      expect(snapshot.updateTime!.toMillis()).toBeGreaterThanOrEqual(created.toMillis());
    });

    it('an array directly inside an array is rejected INVALID_ARGUMENT', async () => {
      await expect(db.doc('masks/nested').set({ list: [[1]] })).rejects.toMatchObject({ code: 3 });
    });

    it('a write that changes nothing keeps the update time', async () => {
      const ref = db.doc('masks/noop');
      const first = await ref.set({ a: 1, b: { c: [1, 'x'] } });
      const again = await ref.set({ a: 1, b: { c: [1, 'x'] } });
      expect(again.writeTime.isEqual(first.writeTime)).toBe(true);
      const changed = await ref.set({ a: 2, b: { c: [1, 'x'] } });
      expect(changed.writeTime.toMillis()).toBeGreaterThanOrEqual(first.writeTime.toMillis());
      expect(changed.writeTime.isEqual(first.writeTime)).toBe(false);
    });

    it('update of a missing document fails NOT_FOUND; create of an existing one fails ALREADY_EXISTS', async () => {
      await expect(db.doc('masks/none').update({ a: 1 })).rejects.toMatchObject({ code: 5 });
      const ref = db.doc('masks/once');
      await ref.create({ a: 1 });
      await expect(ref.create({ a: 2 })).rejects.toMatchObject({ code: 6 });
      expect(await data(ref)).toEqual({ a: 1 });
    });

    it('delete removes the document; delete with exists precondition on a missing one fails', async () => {
      const ref = db.doc('masks/deleted');
      await ref.set({ a: 1 });
      await ref.delete();
      expect((await ref.get()).exists).toBe(false);
      await expect(ref.delete({ exists: true })).rejects.toMatchObject({ code: 5 });
      await expect(ref.delete()).resolves.toBeDefined();
    });

    it('every value type round-trips', async () => {
      const ref = db.doc('masks/types');
      const other = db.doc('masks/other');
      const value = {
        nil: null,
        yes: true,
        int: 9007199254740991,
        negative: -42,
        double: 0.1,
        nan: NaN,
        infinity: -Infinity,
        text: 'héllo 🌍',
        bytes: Buffer.from([0, 1, 254, 255]),
        time: new Timestamp(1_700_000_000, 123_456_000),
        geo: new GeoPoint(48.85, 2.35),
        ref: other,
        list: [1, 'two', { three: [3] }, null],
        map: { nested: { deeper: ['x'] }, empty: {} },
        emptyList: [],
      };
      await ref.set(value);
      const back = (await ref.get()).data()!;
      expect(back).toEqual({ ...value, ref: expect.anything(), time: expect.anything(), geo: expect.anything() });
      expect((back.ref as DocumentReference).path).toBe('masks/other');
      expect((back.time as Timestamp).isEqual(value.time)).toBe(true);
      expect((back.geo as GeoPoint).isEqual(value.geo)).toBe(true);
    });
  });

  describe('BulkWriter, recursive delete and listings', () => {
    it('BulkWriter reports each write on its own and does not roll back the others', async () => {
      const existing = db.doc('bulk/existing');
      await existing.set({ v: 0 });
      const writer = db.bulkWriter();
      const failures: number[] = [];
      writer.onWriteError((error) => {
        failures.push(Number(error.code));
        return false;
      });
      const writes = [
        writer.create(db.doc('bulk/a'), { v: 1 }),
        writer.create(existing, { v: 1 }),
        writer.set(db.doc('bulk/b'), { v: 2 }),
        writer.update(db.doc('bulk/missing'), { v: 3 }),
        writer.delete(db.doc('bulk/nothing')),
      ];
      // BulkWriter sends its batch on close (or flush); the write promises settle only after that.
      await writer.close();
      const outcomes = await Promise.allSettled(writes);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled']);
      expect(failures.sort()).toEqual([5, 6]);
      expect((await db.collection('bulk').get()).docs.map((doc) => [doc.id, doc.get('v')])).toEqual([
        ['a', 1],
        ['b', 2],
        ['existing', 0],
      ]);
    });

    it('recursiveDelete removes a document and all its descendants, nothing else', async () => {
      await Promise.all([
        db.doc('tree/root').set({ v: 1 }),
        db.doc('tree/root/kids/k1').set({ v: 1 }),
        db.doc('tree/root/kids/k1/grandkids/g1').set({ v: 1 }),
        db.doc('tree/root/other/o1').set({ v: 1 }),
        db.doc('tree/rootless/kids/k2').set({ v: 1 }),
        db.doc('tree/sibling').set({ v: 1 }),
      ]);
      await db.recursiveDelete(db.doc('tree/root'));
      expect((await db.collection('tree').listDocuments()).map((ref) => ref.id).sort()).toEqual(['rootless', 'sibling']);
      expect((await db.collectionGroup('kids').get()).docs.map((doc) => doc.ref.path)).toEqual(['tree/rootless/kids/k2']);
    });
  });

  describe('the emulator HTTP endpoints', () => {
    it('GET / answers Ok on the Firestore and the Pub/Sub port', async () => {
      for (const host of [backend.emulators.firestoreHost, backend.emulators.pubsubHost]) {
        const response = await fetch(`http://${host}/`);
        expect(response.status).toBe(200);
        expect((await response.text()).trim()).toBe('Ok');
      }
    });

    it('DELETE of a project’s documents clears that project only', async () => {
      const clearedProject = uniqueProject('cleared');
      const cleared = backend.firestore('cleared', clearedProject);
      const kept = backend.firestore('kept');
      await Promise.all([cleared.doc('c/d').set({ v: 1 }), cleared.doc('c/d/e/f').set({ v: 1 }), kept.doc('c/d').set({ v: 2 })]);

      const response = await fetch(`http://${backend.emulators.firestoreHost}/emulator/v1/projects/${clearedProject}/databases/(default)/documents`, { method: 'DELETE' });

      expect(response.status).toBe(200);
      expect((await cleared.doc('c/d').get()).exists).toBe(false);
      expect(await cleared.listCollections()).toEqual([]);
      expect((await kept.doc('c/d').get()).get('v')).toBe(2);
    });
  });
});
