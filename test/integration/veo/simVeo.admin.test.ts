import { spawn } from 'node:child_process';
import path from 'node:path';
import type { SimVeo } from '../../../scripts/sim-veo';
import { startRequest, veoFor, withSim } from './veoHarness';

async function admin(sim: SimVeo, method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${sim.baseUrl}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

describe('simulated Veo admin API', () => {
  let sim: SimVeo;
  beforeAll(async () => {
    sim = await withSim({ maxOperations: 3 });
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => sim.reset());

  test('POST /__sim/faults arms faults that GET /__sim/stats then shows taking effect', async () => {
    const armed = await admin(sim, 'POST', '/__sim/faults', { failNextStarts: { status: 429, count: 2 }, dropNextStarts: 1 });
    expect(armed.status).toBe(200);
    expect(armed.json).toMatchObject({ failNextStarts: { status: 429, count: 2 }, dropNextStarts: 1 });
    const veo = veoFor(sim);
    for (const expected of ['unavailable', 'unavailable', 'unknown']) {
      await expect(veo.start(startRequest())).rejects.toMatchObject({ kind: expected });
    }
    await veo.start(startRequest());
    const stats = await admin(sim, 'GET', '/__sim/stats');
    expect(stats.json).toMatchObject({ acceptedStarts: 2, droppedStarts: 1, refusedStarts: 2, refusedStartsByStatus: { 429: 2 } });
    expect((await admin(sim, 'GET', '/__sim/faults')).json).toMatchObject({ failNextStarts: null, dropNextStarts: 0 });
  });

  test('invalid faults are refused with 400 and change nothing', async () => {
    const before = sim.faults.get();
    const refused = await admin(sim, 'POST', '/__sim/faults', { failNextStarts: { status: 418 } });
    expect(refused.status).toBe(400);
    expect((await admin(sim, 'POST', '/__sim/faults', { latencyMs: 10, unknownFault: true })).status).toBe(400);
    expect(sim.faults.get()).toEqual(before);
  });

  test('POST /__sim/reset forgets operations, counters and faults', async () => {
    sim.faults.set({ hangPolls: true });
    const { operationName } = await veoFor(sim).start(startRequest());
    expect((await admin(sim, 'POST', '/__sim/reset')).status).toBe(200);
    expect(sim.stats).toMatchObject({ acceptedStarts: 0, operationsStored: 0, recentStarts: [] });
    expect(sim.faults.get().hangPolls).toBe(false);
    await expect(veoFor(sim).poll(operationName)).rejects.toMatchObject({ kind: 'rejected', httpStatus: 404 });
  });

  test('keeps at most maxOperations, dropping the oldest', async () => {
    const veo = veoFor(sim);
    const names: string[] = [];
    for (let i = 0; i < 5; i += 1) names.push((await veo.start(startRequest())).operationName);
    expect(sim.stats.operationsStored).toBe(3);
    await expect(veo.poll(names[0]!)).rejects.toMatchObject({ httpStatus: 404 });
    await expect(veo.poll(names[4]!)).resolves.toMatchObject({ done: true });
  });

  test('finish makes long operations done at once', async () => {
    sim.faults.set({ latencyMs: 3_600_000 });
    const veo = veoFor(sim);
    const { operationName } = await veo.start(startRequest());
    expect(await veo.poll(operationName)).toEqual({ done: false });
    await admin(sim, 'POST', '/__sim/finish');
    expect(await veo.poll(operationName)).toMatchObject({ done: true });
  });

  test('Vertex routes need a bearer token, as Vertex does', async () => {
    const response = await fetch(`${sim.baseUrl}/v1beta1/projects/p/locations/l/publishers/google/models/veo-3.1-generate-001:predictLongRunning`, {
      method: 'POST',
      body: JSON.stringify({ instances: [{ prompt: 'x' }] }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe('UNAUTHENTICATED');
  });

  test('invalid start parameters get 400 INVALID_ARGUMENT and create nothing', async () => {
    const veo = veoFor(sim);
    await expect(veo.start(startRequest({ durationSeconds: 5 }))).rejects.toMatchObject({ kind: 'rejected', httpStatus: 400 });
    expect(sim.stats).toMatchObject({ acceptedStarts: 0, refusedStarts: 1 });
  });
});

describe('sim-veo command line', () => {
  test('main.ts --port 0 prints its URL, serves, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../../scripts/sim-veo/main.ts'), '--port', '0', '--latency-ms', '0'], {
      cwd: path.resolve(__dirname, '../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('\n')) resolve(text.split('\n')[0]!);
        });
        child.once('exit', (code) => reject(new Error(`sim-veo exited with ${code}`)));
        setTimeout(() => reject(new Error('sim-veo did not start within 20 s')), 20_000).unref();
      });
      const { simVeo } = JSON.parse(line) as { simVeo: string };
      const { operationName } = await veoFor({ baseUrl: simVeo }).start(startRequest());
      expect(await veoFor({ baseUrl: simVeo }).poll(operationName)).toMatchObject({ done: true });
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
