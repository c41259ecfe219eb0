import { makeTinyMp4, placeholderSize } from '../../../scripts/sim-veo';
import { nalUnit } from '../../../scripts/sim-veo/h264';
import { inspectMp4, unescapeRbsp } from './mp4Inspector';

describe('the simulated Veo MP4', () => {
  test.each([
    ['16:9', 4],
    ['9:16', 8],
  ])('is a well-formed %s H.264 MP4 of %i s with moov before mdat', (aspectRatio, durationSeconds) => {
    const size = placeholderSize(aspectRatio);
    const file = makeTinyMp4({ ...size, durationSeconds, seed: 'a lighthouse at dusk' });
    const summary = inspectMp4(file);
    expect(summary.topLevel).toEqual(['ftyp', 'moov', 'mdat']);
    expect(summary.majorBrand).toBe('isom');
    expect(summary.codec).toBe('avc1');
    expect(summary.durationSeconds).toBe(durationSeconds);
    expect({ width: summary.width, height: summary.height }).toEqual(size);
    expect(summary.sps).toMatchObject({ profileIdc: 66, ...size });
    expect(summary.sliceTypes).toEqual(['IDR', ...Array<'P'>(durationSeconds - 1).fill('P')]);
    expect(file.length).toBeLessThan(64 * 1024);
  });

  test('is deterministic per seed and differs between seeds', () => {
    const make = (seed: string) => makeTinyMp4({ width: 128, height: 72, durationSeconds: 4, seed });
    expect(make('one').equals(make('one'))).toBe(true);
    expect(make('one').equals(make('two'))).toBe(false);
  });

  test('escapes start-code emulation inside NAL units', () => {
    const rbsp = Buffer.from([0, 0, 1, 0, 0, 0, 0, 0, 3, 7, 0, 0]);
    const nal = nalUnit(3, 5, rbsp);
    expect([...nal]).toEqual([0x65, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 0, 3, 7, 0, 0]);
    expect(unescapeRbsp(nal).equals(rbsp)).toBe(true);
  });
});
