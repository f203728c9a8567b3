import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AdmZip from 'adm-zip';
import { photosFailure, twinPhotos } from './twin-photos';

const COCO128_PHOTOS = resolve(__dirname, '../../../../shared/datasets/coco128/images');
const PHOTOS = readdirSync(COCO128_PHOTOS).sort().slice(0, 3);

describe('twinPhotos', () => {
  let server: Server;
  let origin: string;
  let work: string;
  const downloads: string[] = [];
  beforeAll(async () => {
    const zip = new AdmZip();
    for (const name of PHOTOS) zip.addLocalFile(join(COCO128_PHOTOS, name), 'coco128/images/train2017');
    const bytes = zip.toBuffer();
    server = createServer((request, response) => {
      downloads.push(request.url ?? '');
      if (request.url === '/coco128.zip') return void response.end(bytes);
      response.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'twin-photos-'));
    downloads.length = 0;
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it("takes a folder's photos as they are, without downloading", async () => {
    for (const name of PHOTOS) copyFileSync(join(COCO128_PHOTOS, name), join(work, name));
    const split = await twinPhotos({ folder: work, url: `${origin}/coco128.zip`, count: 2, checkCount: 1 });
    expect(split).toEqual({ calibration: [join(work, PHOTOS[0]), join(work, PHOTOS[1])], check: [join(work, PHOTOS[2])], heldOut: true });
    expect(downloads).toEqual([]);
  });

  it('downloads the zip into a folder without photos first, and tells so', async () => {
    const folder = join(work, 'calibration-photos');
    const told: unknown[] = [];
    const split = await twinPhotos({ folder, url: `${origin}/coco128.zip`, count: 2, checkCount: 2, onDownload: (url) => told.push(url), onDownloaded: (count) => told.push(count) });
    expect(told).toEqual([`${origin}/coco128.zip`, 3]);
    expect(split).toEqual({ calibration: [join(folder, PHOTOS[0]), join(folder, PHOTOS[1])], check: [join(folder, PHOTOS[2])], heldOut: true });
  });

  it('rejects when the download fails, even with nobody listening for the download', async () => {
    const url = `${origin}/gone.zip`;
    const failure = await twinPhotos({ folder: join(work, 'photos'), url, count: 2, checkCount: 0 }).catch((error: unknown) => error);
    expect(photosFailure(url, failure)).toBe(`no calibration photos (${url} answered HTTP 404; offline?)`);
    expect(photosFailure(url, Object.assign(new Error('getaddrinfo ENOTFOUND github.com'), { code: 'ENOTFOUND' }))).toBe(`no calibration photos (the download of ${url} failed: ENOTFOUND; offline?)`);
  });
});
