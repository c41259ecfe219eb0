import { PubSub } from '@google-cloud/pubsub';
import { pubsubGenerationQueue } from '../../../functions/src/adapters/pubsub/generationQueue';
import { requestGeneration } from '../../../functions/src/app/requestGeneration';
import { runGeneration } from '../../../functions/src/app/runGeneration';
import { loadPriceBooks } from '../../../functions/src/adapters/priceBookFile';
import { Logger, setLogLevel, setLogSink } from '../../../functions/src/logger';
import { seedAccount, testProject, TEST_NOW_MS } from '../../helpers/firestore';
import { fastRequest } from '../../helpers/requests';
import { startWorkerHarness, type WorkerHarness } from '../../helpers/workerHarness';

const { db, projectId } = testProject('logging');
let w: WorkerHarness;
let pubsub: PubSub;

beforeAll(async () => {
  w = await startWorkerHarness(db);
  pubsub = new PubSub({ projectId });
  await pubsub.createTopic('generation-requests');
});
afterAll(async () => {
  await pubsub.close();
  await w.stop();
  await db.terminate();
});

describe('structured logs let an operator follow one generation from request to settlement', () => {
  it('every line about the generation carries its id, the account and the request trace, ending with the charge', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const previous = setLogSink((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    setLogLevel('DEBUG');
    try {
      const accountId = await seedAccount(db);
      const trace = '0af7651916cd43dd8448eb211c80319c';
      const { generationId } = await requestGeneration(
        { db, queue: pubsubGenerationQueue(projectId, 'generation-requests'), priceBooks: loadPriceBooks(), holdTtlMs: 3_600_000, platformCap: null },
        { accountId, idempotencyKey: 'logging-test-key', request: fastRequest(), nowMs: TEST_NOW_MS, source: 'api', trace, actor: 'user:test' },
        new Logger({ component: 'api', trace }),
      );
      await runGeneration(w.deps(), generationId, new Logger({ component: 'generationWorker' }));

      const mine = lines.filter((l) => l.generationId === generationId);
      expect(mine.map((l) => l.message)).toEqual(['generation reserved', 'generation published', 'starting Veo', 'Veo accepted the generation', 'generation settled']);
      for (const line of mine) {
        expect(line).toMatchObject({ accountId, trace, severity: expect.any(String) });
      }
      expect(mine.at(-1)).toMatchObject({ severity: 'NOTICE', costMicros: 320_000, holdMicros: 320_000, releasedMicros: 0, priceBookVersion: expect.any(String) });
    } finally {
      setLogSink(previous);
      setLogLevel('CRITICAL');
    }
  });
});
