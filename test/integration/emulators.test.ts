import { Firestore } from '@google-cloud/firestore';
import { PubSub } from '@google-cloud/pubsub';

describe('emulator harness', () => {
  it('exposes a Firestore emulator that runs transactions', async () => {
    const db = new Firestore({ projectId: 'harness-check' });
    const ref = db.collection('harness').doc('counter');
    await db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      tx.set(ref, { n: (snap.get('n') ?? 0) + 1 });
    });
    expect((await ref.get()).get('n')).toBeGreaterThanOrEqual(1);
    await db.terminate();
  });

  it('exposes a Pub/Sub emulator that accepts topics and messages', async () => {
    const pubsub = new PubSub({ projectId: 'harness-check' });
    const [topic] = await pubsub.createTopic(`t-${Date.now()}`);
    const id = await topic.publishMessage({ json: { hello: 'world' } });
    expect(id).toBeTruthy();
    await pubsub.close();
  });
});
