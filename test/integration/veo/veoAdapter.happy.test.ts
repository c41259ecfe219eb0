import { GENERATION_LABEL, ACCOUNT_LABEL, vertexLabelValue } from '../../../functions/src/adapters/veo';
import type { SimVeo } from '../../../scripts/sim-veo';
import { inspectMp4 } from './mp4Inspector';
import { startRequest, veoFor, withSim } from './veoHarness';

describe('Veo adapter against the simulated Veo: happy paths', () => {
  let sim: SimVeo;
  beforeAll(async () => {
    sim = await withSim();
  });
  afterAll(async () => {
    await sim.stop();
  });
  beforeEach(() => sim.reset());

  test('start then poll returns playable inline MP4 bytes, after the configured latency', async () => {
    sim.faults.set({ latencyMs: 300 });
    const veo = veoFor(sim);
    const request = startRequest({ numberOfVideos: 2, durationSeconds: 6 });
    const { operationName } = await veo.start(request);
    expect(operationName).toMatch(
      /^projects\/reelguard-test\/locations\/us-central1\/publishers\/google\/models\/veo-3\.1-fast-generate-001\/operations\/[\w-]+$/,
    );
    expect(await veo.poll(operationName)).toEqual({ done: false });

    await new Promise((resolve) => setTimeout(resolve, 350));
    const state = await veo.poll(operationName);
    if (!state.done || !('videos' in state)) throw new Error(`expected videos, got ${JSON.stringify(state)}`);
    expect(state.filteredCount).toBe(0);
    expect(state.filteredReasons).toEqual([]);
    expect(state.videos).toHaveLength(2);
    for (const video of state.videos) {
      expect(video.mimeType).toBe('video/mp4');
      expect(video.uri).toBeUndefined();
      expect(inspectMp4(video.bytes!).durationSeconds).toBe(6);
    }
    expect(sim.stats.acceptedStarts).toBe(1);
  });

  test('sends the request as Vertex expects it, with generation and account labels', async () => {
    const request = startRequest({ negativePrompt: 'no text overlays', aspectRatio: '9:16', numberOfVideos: 3 });
    await veoFor(sim).start(request);
    const [sent] = sim.stats.recentStarts;
    expect(sent!.body).toEqual({
      instances: [{ prompt: request.prompt }],
      parameters: {
        sampleCount: 3,
        durationSeconds: 4,
        aspectRatio: '9:16',
        resolution: '720p',
        generateAudio: false,
        negativePrompt: 'no text overlays',
      },
      labels: {
        [GENERATION_LABEL]: vertexLabelValue(request.generationId),
        [ACCOUNT_LABEL]: vertexLabelValue(request.accountId),
      },
    });
    expect(sim.stats.acceptedStartsByGeneration).toEqual({ [vertexLabelValue(request.generationId)]: 1 });
  });

  test('uri results come back as URLs the video can be fetched from', async () => {
    sim.faults.set({ output: 'uri' });
    const veo = veoFor(sim);
    const { operationName } = await veo.start(startRequest({ numberOfVideos: 2 }));
    const state = await veo.poll(operationName);
    if (!state.done || !('videos' in state)) throw new Error(`expected videos, got ${JSON.stringify(state)}`);
    expect(state.videos.map((v) => v.bytes)).toEqual([undefined, undefined]);
    for (const video of state.videos) {
      expect(video.uri).toMatch(new RegExp(`^${sim.baseUrl}/__sim/videos/`));
      const response = await fetch(video.uri!);
      expect(response.headers.get('content-type')).toBe('video/mp4');
      inspectMp4(Buffer.from(await response.arrayBuffer()));
    }
  });

  test('an outputGcsUri makes Veo answer with gs:// references under it', async () => {
    const veo = veoFor(sim);
    const { operationName } = await veo.start(startRequest({ outputGcsUri: 'gs://reelguard-veo-out/g1/' }));
    const state = await veo.poll(operationName);
    if (!state.done || !('videos' in state)) throw new Error(`expected videos, got ${JSON.stringify(state)}`);
    expect(state.videos).toEqual([{ uri: expect.stringMatching(/^gs:\/\/reelguard-veo-out\/g1\/[\w-]+\/sample_0\.mp4$/), mimeType: 'video/mp4' }]);
    expect((sim.stats.recentStarts[0]!.body as { parameters: { storageUri?: string } }).parameters.storageUri).toBe('gs://reelguard-veo-out/g1/');
  });

  test('polling a stored name works from a fresh adapter (a redelivered message on another instance)', async () => {
    const { operationName } = await veoFor(sim).start(startRequest());
    const state = await veoFor(sim).poll(operationName);
    expect(state).toMatchObject({ done: true, videos: [expect.objectContaining({ mimeType: 'video/mp4' })] });
  });

  test('label values keep mixed-case ids distinct and within Vertex rules', () => {
    const a = vertexLabelValue('g_AbC');
    const b = vertexLabelValue('g_abc');
    expect(a).not.toBe(b);
    for (const value of [a, b, vertexLabelValue(`g_${'Z'.repeat(40)}`)]) expect(value).toMatch(/^[a-z0-9_-]{1,63}$/);
  });
});
