import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AdmZip from 'adm-zip';
import { calibrationPhotos, fetchCalibrationPhotos, hasPhotos } from './calibration-photos';
import { closedPort, ModelServer, startModelServer } from './testing/model-server';

/** A zip laid out like Ultralytics' coco128.zip: photos under coco128/images/train2017, labels beside them. */
function coco128LikeZip(): Buffer {
  const zip = new AdmZip();
  zip.addFile('coco128/images/train2017/000000000009.jpg', Buffer.from('jpeg 9'));
  zip.addFile('coco128/images/train2017/000000000025.jpg', Buffer.from('jpeg 25'));
  zip.addFile('coco128/labels/train2017/000000000009.txt', Buffer.from('45 0.5 0.5 0.2 0.2'));
  zip.addFile('coco128/LICENSE', Buffer.from('licence'));
  return zip.toBuffer();
}

describe('calibration photos', () => {
  let server: ModelServer;
  let work: string;
  beforeAll(async () => {
    const zip = coco128LikeZip();
    server = await startModelServer({
      releases: { 'coco128.zip': { kind: 'redirect', location: '/cdn/coco128.zip' } },
      cdn: { 'coco128.zip': { kind: 'file', bytes: zip } },
      empty: { 'coco128.zip': { kind: 'file', bytes: new AdmZip().toBuffer() } },
    });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'calibration-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('downloads the zip (following the redirect) and puts only its photos, flattened, into a new folder', async () => {
    const folder = join(work, 'models', 'calibration-photos');
    expect(hasPhotos(folder)).toBe(false);
    expect(await fetchCalibrationPhotos(folder, `${server.origin}/releases/coco128.zip`)).toBe(2);
    expect(readdirSync(folder)).toEqual(['000000000009.jpg', '000000000025.jpg']);
    expect(readFileSync(join(folder, '000000000025.jpg'), 'utf8')).toBe('jpeg 25');
    expect(calibrationPhotos(folder, 1)).toEqual([join(folder, '000000000009.jpg')]);
    expect(readdirSync(join(work, 'models'))).toEqual(['calibration-photos']); // no partial folder left
  });

  it("adds to an existing folder without photos, keeping what it holds", async () => {
    const folder = join(work, 'mine');
    mkdirSync(folder);
    writeFileSync(join(folder, 'notes.txt'), 'keep me');
    await fetchCalibrationPhotos(folder, `${server.origin}/cdn/coco128.zip`);
    expect(readdirSync(folder).sort()).toEqual(['000000000009.jpg', '000000000025.jpg', 'notes.txt']);
  });

  it('fails with the HTTP status, or when the zip holds no photos, and leaves nothing behind', async () => {
    const folder = join(work, 'photos');
    await expect(fetchCalibrationPhotos(folder, `${server.origin}/missing/coco128.zip`)).rejects.toThrow(/answered HTTP 404/);
    await expect(fetchCalibrationPhotos(folder, `${server.origin}/empty/coco128.zip`)).rejects.toThrow(/holds no photos/);
    expect(readdirSync(work)).toEqual([]);
  });

  it('fails with the reason when the host cannot be reached', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/coco128.zip`;
    await expect(fetchCalibrationPhotos(join(work, 'photos'), url)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('lists the first photos of a folder in name order, and says why it cannot', () => {
    writeFileSync(join(work, 'b.JPG'), '');
    writeFileSync(join(work, 'a.png'), '');
    writeFileSync(join(work, 'c.txt'), '');
    expect(calibrationPhotos(work, 5)).toEqual([join(work, 'a.png'), join(work, 'b.JPG')]);
    expect(() => calibrationPhotos(join(work, 'nowhere'), 5)).toThrow(/cannot read the calibration folder/);
  });
});
