import { OAuth2Client } from 'google-auth-library';
import { vertexLabelValue } from '../../../functions/src/adapters/veo';
import { VideoModelError, type VideoModel } from '../../../functions/src/ports/videoModel';
import { DEFAULT_FILTER_REASONS, type SimVeo } from '../../../scripts/sim-veo';
import { freePort } from '../../../scripts/emulators/ports';
import { startRequest, veoFor, withSim } from './veoHarness';

async function failure(promise: Promise<unknown>): Promise<VideoModelError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof VideoModelError)) throw new Error(`expected a VideoModelError, got ${String(error)}`);
  return error;
}

describe('Veo adapter against the simulated Veo: faults', () => {
  let sim: SimVeo;
  let veo: VideoModel;
  beforeAll(async () => {
    sim = await withSim();
    veo = veoFor(sim, { startTimeoutMs: 800, pollTimeoutMs: 500 });
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => sim.reset());

  test('1 of 2 filtered: one video, filteredCount 1 with the reasons', async () => {
    sim.faults.set({ filtered: { count: 1 } });
    const { operationName } = await veo.start(startRequest({ numberOfVideos: 2 }));
    const state = await veo.poll(operationName);
    expect(state).toEqual({
      done: true,
      videos: [expect.objectContaining({ mimeType: 'video/mp4', bytes: expect.any(Buffer) })],
      filteredCount: 1,
      filteredReasons: DEFAULT_FILTER_REASONS,
    });
  });

  test('all filtered: no videos (Vertex omits the key), filteredCount = requested', async () => {
    sim.faults.set({ filtered: { count: 4, reasons: ['blocked'] } });
    const { operationName } = await veo.start(startRequest({ numberOfVideos: 2 }));
    expect(await veo.poll(operationName)).toEqual({ done: true, videos: [], filteredCount: 2, filteredReasons: ['blocked'] });
  });

  test('operation error is a state, not a throw', async () => {
    sim.faults.set({ operationError: { code: 3, message: 'The prompt could not be processed.' } });
    const { operationName } = await veo.start(startRequest());
    expect(await veo.poll(operationName)).toEqual({ done: true, error: { code: 3, message: 'The prompt could not be processed.' } });
  });

  test.each([
    [429, 'unavailable'],
    [401, 'unavailable'],
    [408, 'unavailable'],
    [500, 'unavailable'],
    [502, 'unavailable'],
    [503, 'unavailable'],
    [400, 'rejected'],
    [403, 'rejected'],
    [404, 'rejected'],
    [504, 'unknown'],
  ] as const)('start answered %i → %s, with exactly one request (SDK retries off)', async (status, kind) => {
    sim.faults.set({ failNextStarts: { status, count: 5, message: `simulated ${status}` } });
    const error = await failure(veo.start(startRequest()));
    expect(error.kind).toBe(kind);
    expect(error.httpStatus).toBe(status);
    expect(error.message).toContain(`simulated ${status}`);
    expect(sim.stats.refusedStarts).toBe(1);
    expect(sim.stats.acceptedStarts).toBe(0);
  });

  test('429 then success: the retry is a new start and only it is accepted', async () => {
    sim.faults.set({ failNextStarts: { status: 429, count: 1 } });
    const request = startRequest();
    expect((await failure(veo.start(request))).kind).toBe('unavailable');
    await veo.start(request);
    expect(sim.stats.acceptedStartsByGeneration).toEqual({ [vertexLabelValue(request.generationId)]: 1 });
  });

  test('accepted, then the connection is dropped: unknown, and Veo counted exactly one start', async () => {
    sim.faults.set({ dropNextStarts: 1 });
    const request = startRequest();
    const error = await failure(veo.start(request));
    expect(error.kind).toBe('unknown');
    expect(error.message).toMatch(/may have accepted/);
    expect(error.message).toMatch(/other side closed|ECONNRESET|socket/i);
    expect(sim.stats.acceptedStarts).toBe(1);
    expect(sim.stats.droppedStarts).toBe(1);
    expect(sim.stats.acceptedStartsByGeneration).toEqual({ [vertexLabelValue(request.generationId)]: 1 });
  });

  test('accepted, and the 200 answer is cut off mid-body: unknown, one start', async () => {
    sim.faults.set({ truncateNextStarts: 1 });
    const error = await failure(veo.start(startRequest()));
    expect(error.kind).toBe('unknown');
    expect(sim.stats).toMatchObject({ acceptedStarts: 1, truncatedStarts: 1 });
  });

  test('accepted, then no answer: unknown after the start timeout, not a hang', async () => {
    sim.faults.set({ hangNextStarts: 1 });
    const startedAtMs = Date.now();
    const error = await failure(veo.start(startRequest()));
    expect(error.kind).toBe('unknown');
    expect(error.message).toContain('no answer within 800 ms');
    expect(Date.now() - startedAtMs).toBeLessThan(3_000);
    expect(sim.stats.acceptedStarts).toBe(1);
  });

  test('poll hang: the adapter gives up after the poll timeout with a clear error', async () => {
    const { operationName } = await veo.start(startRequest());
    sim.faults.set({ hangPolls: true });
    const startedAtMs = Date.now();
    const error = await failure(veo.poll(operationName));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toBe(`Veo poll of ${operationName} got no answer within 500 ms`);
    expect(Date.now() - startedAtMs).toBeLessThan(2_500);
    sim.faults.set({ hangPolls: false });
    expect(await veo.poll(operationName)).toMatchObject({ done: true });
  });

  test('polling an operation Veo does not know is rejected (404)', async () => {
    const name = 'projects/reelguard-test/locations/us-central1/publishers/google/models/veo-3.1-fast-generate-001/operations/nope';
    const error = await failure(veo.poll(name));
    expect(error).toMatchObject({ kind: 'rejected', httpStatus: 404 });
  });

  test('a malformed operation name is rejected before anything is sent', async () => {
    const error = await failure(veo.poll('operations/123'));
    expect(error.kind).toBe('rejected');
    expect(sim.stats.polls).toBe(0);
  });

  test('no credentials to be had: unavailable, and nothing reached Veo', async () => {
    // An OAuth2Client with neither a token nor a way to get one fails inside the SDK, before fetch.
    const tokenless = veoFor(sim, { auth: { kind: 'googleAuthOptions', options: { authClient: new OAuth2Client() as never } } });
    const error = await failure(tokenless.start(startRequest()));
    expect(error.kind).toBe('unavailable');
    expect(error.message).toMatch(/^Veo start not sent: .*refresh/);
    expect(sim.stats.refusedStarts + sim.stats.acceptedStarts).toBe(0);
  });
});

describe('Veo adapter with nothing listening', () => {
  test('connection refused before sending: start is unavailable, poll is unavailable', async () => {
    const port = await freePort();
    const veo = veoFor({ baseUrl: `http://127.0.0.1:${port}` });
    const startError = await failure(veo.start(startRequest()));
    expect(startError.kind).toBe('unavailable');
    expect(startError.message).toContain('ECONNREFUSED');
    const pollError = await failure(
      veo.poll(`projects/p/locations/l/publishers/google/models/veo-3.1-generate-001/operations/x`),
    );
    expect(pollError.kind).toBe('unavailable');
  });
});
