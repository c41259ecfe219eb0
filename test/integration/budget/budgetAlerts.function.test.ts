import { PubSub } from '@google-cloud/pubsub';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { setBudgetAlertDepsForTests } from '../../../functions/src/functions/budgetAlerts';
import { BUDGET_TOPIC, buildBudgetNotification, publishToLocalStack } from '../../../scripts/budget-simulate';
import { testFirestore } from '../../helpers/firestore';
import { DECEMBER, budgetDeps, captureLogs, killSwitchState } from './budgetHarness';

/**
 * The registered budgetAlerts function (functions/src/index.ts) behind the functions-framework
 * server, fed the raw push body the Pub/Sub emulator sends — by hand, then by the emulator itself.
 */
let server: Server;
let logs: ReturnType<typeof captureLogs>;

beforeAll(() => {
  require('../../../functions/src/index');
  const { getTestServer } = require('@google-cloud/functions-framework/testing') as typeof import('@google-cloud/functions-framework/testing');
  server = getTestServer('budgetAlerts');
});
afterAll(() => server.close());
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => {
  logs.restore();
  setBudgetAlertDepsForTests(undefined);
});

/** The push endpoint path names the topic: the framework derives the CloudEvent source from it. */
const PUSH_PATH = `/projects/test/topics/${BUDGET_TOPIC}`;

function pushBody(data: string, attributes: Record<string, string>) {
  return { message: { data, attributes, messageId: '9876543210', publishTime: '2026-12-04T12:00:00.000Z' }, subscription: 'projects/test/subscriptions/budget-alerts-push' };
}

describe('budgetAlerts function (functions-framework server)', () => {
  it('given a real push body for 90%, then it answers 2xx and generation is paused', async () => {
    const db = testFirestore('budget-fn-push');
    setBudgetAlertDepsForTests(budgetDeps(db));
    const n = buildBudgetNotification({ ratio: 0.9, costIntervalStart: DECEMBER });

    const response = await request(server).post(PUSH_PATH).send(pushBody(Buffer.from(JSON.stringify(n.data)).toString('base64'), n.attributes));

    expect(response.status).toBeGreaterThanOrEqual(200);
    expect(response.status).toBeLessThan(300);
    expect((await killSwitchState(db)).controls).toMatchObject({ generationPaused: true, by: 'budget:local-budget' });
    await db.terminate();
  });

  it('given a push body with garbage data, then it answers 2xx (acknowledged, no redelivery loop) and nothing changes', async () => {
    const db = testFirestore('budget-fn-garbage');
    setBudgetAlertDepsForTests(budgetDeps(db));

    const response = await request(server).post(PUSH_PATH).send(pushBody(Buffer.from('not json at all').toString('base64'), { budgetId: 'local-budget' }));

    expect(response.status).toBeLessThan(300);
    expect((await killSwitchState(db)).controlsExists).toBe(false);
    expect(logs.lines.some((l) => l.severity === 'ERROR' && /malformed/.test(l.message))).toBe(true);
    await db.terminate();
  });

  it('given the Pub/Sub emulator pushes what budget:simulate publishes, then the function pauses generation', async () => {
    const db = testFirestore('budget-fn-emulator');
    const projectId = `budget-fn-${randomUUID().slice(0, 8)}`;
    setBudgetAlertDepsForTests(budgetDeps(db));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pubsub = new PubSub({ projectId });
    try {
      const [topic] = await pubsub.createTopic(BUDGET_TOPIC);
      await topic.createSubscription('budget-alerts-push', { pushConfig: { pushEndpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/projects/${projectId}/topics/${BUDGET_TOPIC}` } });

      await publishToLocalStack({ projectId, pubsubHost: process.env.PUBSUB_EMULATOR_HOST!, source: 'test' }, buildBudgetNotification({ ratio: 0.95, costIntervalStart: DECEMBER }));

      const deadline = Date.now() + 15_000;
      while (!(await killSwitchState(db)).controls.generationPaused && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      const state = await killSwitchState(db);
      expect(state.controls).toMatchObject({ generationPaused: true, degradeToModel: 'veo-3.1-fast-generate-001' });
      expect(state.audit.map((a) => a.action).sort()).toEqual(['degrade', 'pause']);
    } finally {
      await pubsub.close();
      await db.terminate();
    }
  });
});
