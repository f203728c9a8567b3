import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AdmZip from 'adm-zip';
import { ModelServer, startModelServer } from '@app/model-store/testing/model-server';
import { photosFailure, twinPhotos } from './twin-photos';

const COCO128_PHOTOS = resolve(__dirname, '../../../../shared/datasets/coco128/images');
const PHOTOS = readdirSync(COCO128_PHOTOS).sort().slice(0, 3);

describe('twinPhotos', () => {
  let server: ModelServer;
  let work: string;
  beforeAll(async () => {
    const zip = new AdmZip();
    for (const name of PHOTOS) zip.addLocalFile(join(COCO128_PHOTOS, name), 'coco128/images/train2017');
    server = await startModelServer({ assets: { 'coco128.zip': { kind: 'file', bytes: zip.toBuffer() } } });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'twin-photos-'));
    server.requests.length = 0;
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it("takes a folder's photos as they are, without downloading", async () => {
    for (const name of PHOTOS) copyFileSync(join(COCO128_PHOTOS, name), join(work, name));
    const split = await twinPhotos({ folder: work, url: `${server.origin}/assets/coco128.zip`, count: 2, checkCount: 1 });
    expect(split).toEqual({ calibration: [join(work, PHOTOS[0]), join(work, PHOTOS[1])], check: [join(work, PHOTOS[2])], heldOut: true });
    expect(server.requests).toEqual([]);
  });

  it('downloads the zip into a folder without photos first, and tells so', async () => {
    const folder = join(work, 'calibration-photos');
    const told: unknown[] = [];
    const split = await twinPhotos({ folder, url: `${server.origin}/assets/coco128.zip`, count: 2, checkCount: 2, onDownload: (url) => told.push(url), onDownloaded: (count) => told.push(count) });
    expect(told).toEqual([`${server.origin}/assets/coco128.zip`, 3]);
    expect(split).toEqual({ calibration: [join(folder, PHOTOS[0]), join(folder, PHOTOS[1])], check: [join(folder, PHOTOS[2])], heldOut: true });
  });

  it('rejects when the download fails, even with nobody listening for the download', async () => {
    const url = `${server.origin}/gone/coco128.zip`;
    const failure = await twinPhotos({ folder: join(work, 'photos'), url, count: 2, checkCount: 0 }).catch((error: unknown) => error);
    expect(photosFailure(url, failure)).toBe(`no calibration photos (${url} answered HTTP 404; offline?)`);
    expect(photosFailure(url, Object.assign(new Error('getaddrinfo ENOTFOUND github.com'), { code: 'ENOTFOUND' }))).toBe(`no calibration photos (the download of ${url} failed: ENOTFOUND; offline?)`);
  });
});
