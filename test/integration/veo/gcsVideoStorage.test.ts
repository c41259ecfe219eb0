import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { GcsVideoStorage } from '../../../functions/src/adapters/storage';
import { makeTinyMp4 } from '../../../scripts/sim-veo';
import { startFakeGcs, type FakeGcs } from './fakeGcs';
import type { GcsScenario, GcsScenarioOutcome } from './gcsStorageScenario';

const ROOT = path.resolve(__dirname, '../../..');
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signer = {
  email: 'reelguard-worker@reelguard-test.iam.gserviceaccount.com',
  privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};

/** GcsVideoStorage runs in a child Node process: see gcsStorageScenario.ts for why. */
async function run(gcs: FakeGcs, options: Partial<GcsScenario['options']>, saves: GcsScenario['saves']): Promise<GcsScenarioOutcome[]> {
  const scenario: GcsScenario = {
    options: { bucket: 'reelguard-videos', prefix: 'videos/', url: { kind: 'public' }, ...options, apiEndpoint: gcs.apiEndpoint },
    signer,
    saves,
  };
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'gcsStorageScenario.ts'), JSON.stringify(scenario)],
    { cwd: ROOT, timeout: 30_000, env: { ...process.env, METADATA_SERVER_DETECTION: 'none' } },
  );
  return JSON.parse(stdout) as GcsScenarioOutcome[];
}

describe('GcsVideoStorage against a fake Cloud Storage JSON API', () => {
  let gcs: FakeGcs;
  const video = makeTinyMp4({ width: 128, height: 72, durationSeconds: 4, seed: 'gcs' });

  beforeAll(async () => {
    gcs = await startFakeGcs();
  });
  afterAll(async () => {
    await gcs.stop();
  });

  test('uploads inline bytes and returns a V4 signed URL for the object', async () => {
    const [outcome] = await run(gcs, { url: { kind: 'signed', expiresInMs: 3_600_000 } }, [
      { generationId: 'g_GcsInline', index: 0, bytesBase64: video.toString('base64'), mimeType: 'video/mp4' },
    ]);
    if (!outcome?.ok) throw new Error(JSON.stringify(outcome));
    expect(outcome.location).toBe('gs://reelguard-videos/videos/g_GcsInline/0.mp4');
    const saved = gcs.objects.get('reelguard-videos/videos/g_GcsInline/0.mp4');
    expect(saved?.bytes.equals(video)).toBe(true);
    expect(saved?.contentType).toBe('video/mp4');
    const url = new URL(outcome.url);
    expect(url.pathname).toBe('/reelguard-videos/videos/g_GcsInline/0.mp4');
    expect(url.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    expect(url.searchParams.get('X-Goog-Date')).toMatch(/^\d{8}T\d{6}Z$/);
    expect(url.searchParams.get('X-Goog-Expires')).toBe('3600');
    expect(url.searchParams.get('X-Goog-Credential')).toMatch(/^reelguard-worker@/);
  });

  test('copies a gs:// result server-side (rewrite), never downloading it', async () => {
    gcs.objects.set('veo-output/op-1/sample_0.mp4', { bytes: video, contentType: 'video/mp4' });
    gcs.requests.length = 0;
    const [outcome] = await run(gcs, {}, [{ generationId: 'g_GcsCopy', index: 1, uri: 'gs://veo-output/op-1/sample_0.mp4', mimeType: 'video/mp4' }]);
    expect(outcome).toEqual({
      ok: true,
      url: 'https://storage.googleapis.com/reelguard-videos/videos/g_GcsCopy/1.mp4',
      location: 'gs://reelguard-videos/videos/g_GcsCopy/1.mp4',
    });
    expect(gcs.objects.get('reelguard-videos/videos/g_GcsCopy/1.mp4')?.bytes.equals(video)).toBe(true);
    expect(gcs.requests).toEqual([
      'GET /storage/v1/b/veo-output/o/op-1%2Fsample_0.mp4',
      'POST /storage/v1/b/veo-output/o/op-1%2Fsample_0.mp4/rewriteTo/b/reelguard-videos/o/videos%2Fg_GcsCopy%2F1.mp4',
    ]);
  });

  test('refuses a gs:// source over the size limit before copying, and a missing one', async () => {
    gcs.objects.set('veo-output/op-2/sample_0.mp4', { bytes: video, contentType: 'video/mp4' });
    const outcomes = await run(gcs, { prefix: '', limits: { maxVideoBytes: 100 } }, [
      { generationId: 'g_GcsBig', index: 0, uri: 'gs://veo-output/op-2/sample_0.mp4', mimeType: 'video/mp4' },
      { generationId: 'g_GcsGone', index: 0, uri: 'gs://veo-output/op-404/sample_0.mp4', mimeType: 'video/mp4' },
    ]);
    expect(outcomes[0]).toEqual({ ok: false, error: expect.stringMatching(/over the 100-byte limit/) });
    expect(outcomes[1]).toEqual({ ok: false, error: expect.stringMatching(/No such object/) });
    expect(gcs.objects.has('reelguard-videos/g_GcsBig/0.mp4')).toBe(false);
  });

  test('checks its options up front (no SDK loaded for that)', () => {
    expect(() => new GcsVideoStorage({ bucket: 'reelguard-videos', url: { kind: 'signed', expiresInMs: 8 * 24 * 3600 * 1000 } })).toThrow(
      /V4 limit/,
    );
    expect(() => new GcsVideoStorage({ bucket: 'Not A Bucket', url: { kind: 'public' } })).toThrow(/not a bucket name/);
  });
});
