import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalVideoStorage } from '../../../functions/src/adapters/storage';
import { makeTinyMp4, type SimVeo } from '../../../scripts/sim-veo';
import { startLocalVideoServer, type LocalVideoServer } from '../../../scripts/local-storage/localVideoServer';
import { inspectMp4 } from './mp4Inspector';
import { startRequest, veoFor, withSim } from './veoHarness';

describe('LocalVideoStorage served by the local video server', () => {
  let dir: string;
  let server: LocalVideoServer;
  let storage: LocalVideoStorage;
  const video = makeTinyMp4({ width: 128, height: 72, durationSeconds: 8, seed: 'storage' });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reelguard-videos-'));
    server = await startLocalVideoServer({ dir });
    storage = new LocalVideoStorage({ dir, publicBaseUrl: server.baseUrl });
  });
  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('saves inline bytes and serves the same bytes as video/mp4', async () => {
    const stored = await storage.save('g_LocalSave1', 0, { bytes: video, mimeType: 'video/mp4' });
    expect(stored).toEqual({ url: `${server.baseUrl}/g_LocalSave1/0.mp4`, location: path.join(dir, 'g_LocalSave1', '0.mp4') });
    expect((await readFile(stored.location)).equals(video)).toBe(true);

    const response = await fetch(stored.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(Number(response.headers.get('content-length'))).toBe(video.length);
    expect(Buffer.from(await response.arrayBuffer()).equals(video)).toBe(true);
  });

  test('honours Range: first bytes, a middle span, a suffix, and 416 past the end', async () => {
    const { url } = await storage.save('g_LocalRange', 0, { bytes: video, mimeType: 'video/mp4' });
    const get = (range: string) => fetch(url, { headers: { range } });

    const head = await get('bytes=0-99');
    expect(head.status).toBe(206);
    expect(head.headers.get('content-range')).toBe(`bytes 0-99/${video.length}`);
    expect(Buffer.from(await head.arrayBuffer()).equals(video.subarray(0, 100))).toBe(true);

    const middle = await get('bytes=1000-');
    expect(middle.status).toBe(206);
    expect(Buffer.from(await middle.arrayBuffer()).equals(video.subarray(1000))).toBe(true);

    const suffix = await get('bytes=-16');
    expect(suffix.headers.get('content-range')).toBe(`bytes ${video.length - 16}-${video.length - 1}/${video.length}`);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(video.subarray(-16))).toBe(true);

    const beyond = await get(`bytes=${video.length}-`);
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${video.length}`);
  });

  test('HEAD answers the size without a body', async () => {
    const { url } = await storage.save('g_LocalHead', 0, { bytes: video, mimeType: 'video/mp4' });
    const response = await fetch(url, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBe(video.length);
  });

  test('a repeated save replaces the file whole and leaves no partial files', async () => {
    const other = makeTinyMp4({ width: 72, height: 128, durationSeconds: 4, seed: 'other' });
    await storage.save('g_LocalTwice', 1, { bytes: video, mimeType: 'video/mp4' });
    const stored = await storage.save('g_LocalTwice', 1, { bytes: other, mimeType: 'video/mp4' });
    expect((await readFile(stored.location)).equals(other)).toBe(true);
    expect(await readdir(path.join(dir, 'g_LocalTwice'))).toEqual(['1.mp4']);
  });

  test('fetches and stores an http(s) source (the simulated Veo in uri mode)', async () => {
    const sim: SimVeo = await withSim({ faults: { latencyMs: 0, output: 'uri' } });
    try {
      const veo = veoFor(sim);
      const { operationName } = await veo.start(startRequest({ durationSeconds: 6 }));
      const state = await veo.poll(operationName);
      if (!state.done || !('videos' in state)) throw new Error(JSON.stringify(state));
      const stored = await storage.save('g_LocalFromUri', 0, state.videos[0]!);
      const served = Buffer.from(await (await fetch(stored.url)).arrayBuffer());
      expect(inspectMp4(served).durationSeconds).toBe(6);
    } finally {
      await sim.stop();
    }
  });

  test('refuses what it cannot or must not store', async () => {
    await expect(storage.save('g_LocalGs', 0, { uri: 'gs://bucket/o.mp4', mimeType: 'video/mp4' })).rejects.toThrow(/cannot read gs:\/\//);
    await expect(storage.save('../escape', 0, { bytes: video, mimeType: 'video/mp4' })).rejects.toThrow(/not storable/);
    const small = new LocalVideoStorage({ dir, publicBaseUrl: server.baseUrl, limits: { maxVideoBytes: 1_000 } });
    await expect(small.save('g_LocalBig', 0, { bytes: video, mimeType: 'video/mp4' })).rejects.toThrow(/over the 1000-byte limit/);
    const { url } = await storage.save('g_LocalSource', 0, { bytes: video, mimeType: 'video/mp4' });
    await expect(small.save('g_LocalBigDownload', 0, { uri: url, mimeType: 'video/mp4' })).rejects.toThrow(/over the 1000-byte limit/);
  });

  test('serves only video files inside its directory', async () => {
    const outside = `${path.basename(dir)}-outside.mp4`;
    await writeFile(path.join(dir, '..', outside), video);
    try {
      expect((await fetch(`${server.baseUrl}/%2e%2e/${outside}`)).status).toBe(404);
    } finally {
      await rm(path.join(dir, '..', outside), { force: true });
    }
    for (const route of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/g_LocalSave1', '/nothing.mp4']) {
      expect((await fetch(`${server.baseUrl}${route}`)).status).toBe(404);
    }
    expect((await fetch(`${server.baseUrl}/g_LocalSave1/0.mp4`, { method: 'DELETE' })).status).toBe(405);
  });
});
