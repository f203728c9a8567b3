/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Browser, Page } from 'playwright-core';
import { liveModelsDir } from '../support/live-models';
import { corpusFile, E2E_TMP } from '../support/paths';
import { RunningService, startService } from '../support/service';
import { launchChromium, screenshotPath } from './chromium';

jest.setTimeout(180_000);

/**
 * A fake camera for chromium (`--use-file-for-fake-video-capture`): an MJPEG file, which is JPEG frames one after
 * another, all of one size; chromium plays it at 30 frames per second, looping. Half a second of each photo.
 */
async function writeFakeCamera(): Promise<string> {
  const frames: Buffer[] = [];
  for (const photo of ['photos/bus.jpg', 'photos/zidane.jpg']) {
    const frame = await sharp(corpusFile(photo)).resize(640, 480, { fit: 'contain', background: '#000' }).jpeg({ quality: 85 }).toBuffer();
    for (let i = 0; i < 15; i++) frames.push(frame);
  }
  mkdirSync(E2E_TMP, { recursive: true });
  const file = join(E2E_TMP, 'fake-camera.mjpeg');
  writeFileSync(file, Buffer.concat(frames));
  return file;
}

const text = (page: Page, id: string) => page.locator(`#${id}`).textContent();

describe('live mode of the web page (Debian chromium, fake camera)', () => {
  let service: RunningService;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const camera = await writeFakeCamera();
    [service, browser] = await Promise.all([
      startService({ env: { MODELS_DIR: liveModelsDir() } }),
      launchChromium(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${camera}`]),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('shows live boxes of the real yolov5n over the camera, with fps and latency, and switches input size and model without reconnecting', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(`${service.url}/ui`);
    await page.locator('#live-model option', { hasText: 'yolov5s' }).waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Start camera' }).click();

    // Boxes over the video, and figures once a few answers have come back.
    await page.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('#live-overlay')!.dataset.boxCount) > 0);
    await page.waitForFunction(() => /^\d+(\.\d)? *$/.test(document.querySelector('#live-fps')!.textContent!) && Number(document.querySelector('#live-fps')!.textContent) > 0);
    expect(await text(page, 'live-model-used')).toBe('yolov5s');
    expect(await text(page, 'live-latency')).toMatch(/^\d+ ms$/);
    expect(await text(page, 'live-inference')).toMatch(/^\d+ ms$/);
    expect(await text(page, 'live-input')).toBe('640×480');
    expect(await page.locator('#live-error').isHidden()).toBe(true);
    await page.screenshot({ path: screenshotPath('live-camera-yolov5n'), fullPage: true });

    await page.locator('#live-size').selectOption('320');
    await page.waitForFunction(() => document.querySelector('#live-input')!.textContent === '320×256');

    await page.locator('#live-model').selectOption('yolov5m');
    await page.waitForFunction(() => document.querySelector('#live-model-used')!.textContent === 'yolov5m');
    // The fixture behind yolov5m is a fixed 640x640 model: it ignores the input size, and its boxes are its own.
    await page.waitForFunction(() => document.querySelector('#live-input')!.textContent === '640×640');
    await page.screenshot({ path: screenshotPath('live-camera-model-switch'), fullPage: true });

    expect(sockets).toHaveLength(1); // settings changed on the open stream
    await page.getByRole('button', { name: 'Stop' }).click();
    expect(await page.getByRole('button', { name: 'Start camera' }).isEnabled()).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('says clearly when there is no camera or it is refused', async () => {
    const plain = await launchChromium(); // no fake camera: headless chromium has none, and grants no permission
    try {
      const page = await plain.newPage();
      await page.goto(`${service.url}/ui`);
      await page.getByRole('button', { name: 'Start camera' }).click();
      const error = page.locator('#live-error');
      await error.waitFor();
      expect(await error.textContent()).toMatch(/Camera access was refused|No camera was found/);
      await page.screenshot({ path: screenshotPath('live-camera-refused'), fullPage: true });
    } finally {
      await plain.close();
    }
  });
});
