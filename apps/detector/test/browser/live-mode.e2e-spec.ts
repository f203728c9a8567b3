/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { liveModels } from '../support/live-models';
import { corpusFile } from '../support/paths';
import { RunningService, startService } from '../support/service';
import { fakeCameraArgs, launchChromium, screenshotPath, writeFakeCamera } from './chromium';

jest.setTimeout(180_000);

const text = (page: Page, id: string) => page.locator(`#${id}`).textContent();

describe('live mode of the web page (Debian chromium, fake camera)', () => {
  const models = liveModels();
  let service: RunningService;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const camera = await writeFakeCamera('fake-camera', ['photos/bus.jpg', 'photos/zidane.jpg']);
    [service, browser] = await Promise.all([startService({ env: { MODELS_DIR: models.dir } }), launchChromium(fakeCameraArgs(camera))]);
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
    await page.locator('#live-model option', { hasText: models.real }).waitFor({ state: 'attached' });
    // The defaults this folder lacks are listed but cannot be chosen, and a model that can run is preselected.
    expect(await page.locator('#live-model option[value="yolov5s"]').isDisabled()).toBe(true);
    expect([models.real, models.fixture]).toContain(await page.locator('#live-model').inputValue());
    await page.locator('#live-model').selectOption(models.real);
    await page.getByRole('button', { name: 'Start camera' }).click();

    // Boxes over the video, and figures once a few answers have come back.
    await page.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('#live-overlay')!.dataset.boxCount) > 0);
    await page.waitForFunction(() => /^\d+(\.\d)? *$/.test(document.querySelector('#live-fps')!.textContent!) && Number(document.querySelector('#live-fps')!.textContent) > 0);
    expect(await text(page, 'live-model-used')).toBe(models.real);
    expect(await text(page, 'live-latency')).toMatch(/^\d+ ms$/);
    expect(await text(page, 'live-inference')).toMatch(/^\d+ ms$/);
    expect(await text(page, 'live-input')).toBe('640×480');
    expect(await page.locator('#live-error').isHidden()).toBe(true);
    await page.screenshot({ path: screenshotPath('live-camera-yolov5n'), fullPage: true });

    await page.locator('#live-size').selectOption('320');
    await page.waitForFunction(() => document.querySelector('#live-input')!.textContent === '320×256');

    await page.locator('#live-model').selectOption(models.fixture);
    await page.waitForFunction((fixture) => document.querySelector('#live-model-used')!.textContent === fixture, models.fixture);
    // The fixture is a fixed 640x640 model: it ignores the input size, and its boxes are its own.
    await page.waitForFunction(() => document.querySelector('#live-input')!.textContent === '640×640');
    await page.screenshot({ path: screenshotPath('live-camera-model-switch'), fullPage: true });

    expect(sockets).toHaveLength(1); // settings changed on the open stream
    await page.getByRole('button', { name: 'Stop' }).click();
    expect(await page.getByRole('button', { name: 'Start camera' }).isEnabled()).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  /** A 2-second WebM of bus.jpg under a changing strip, recorded by chromium itself (MediaRecorder on a canvas): no ffmpeg needed. */
  async function recordClip(page: Page): Promise<Buffer> {
    const photo = `data:image/jpeg;base64,${readFileSync(corpusFile('photos/bus.jpg')).toString('base64')}`;
    const base64 = await page.evaluate(async (source) => {
      const image = new Image();
      image.src = source;
      await image.decode();
      const canvas = Object.assign(document.createElement('canvas'), { width: 480, height: 640 });
      const context = canvas.getContext('2d')!;
      const stream = canvas.captureStream(0);
      const track = stream.getVideoTracks()[0] as MediaStreamTrack & { requestFrame(): void };
      const recorder = new MediaRecorder(stream, { mimeType: 'video/webm' });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (event) => chunks.push(event.data);
      const stopped = new Promise((resolve) => (recorder.onstop = resolve));
      recorder.start();
      const started = performance.now();
      for (let frame = 0; performance.now() - started < 2000; frame++) {
        // A strip that changes every frame: the recorder only writes frames whose picture changed.
        context.fillStyle = `hsl(${(frame * 12) % 360} 80% 50%)`;
        context.fillRect(0, 0, canvas.width, 8);
        context.drawImage(image, 0, 8, canvas.width, canvas.height - 8);
        track.requestFrame();
        await new Promise((resolve) => setTimeout(resolve, 33));
      }
      recorder.stop();
      await stopped;
      const bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      let binary = '';
      for (const byte of bytes) binary += String.fromCharCode(byte);
      return btoa(binary);
    }, photo);
    return Buffer.from(base64, 'base64');
  }

  it('runs a video file from disk, every frame in turn or latest wins', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${service.url}/ui`);
    await page.locator('#live-model option', { hasText: models.real }).waitFor({ state: 'attached' });
    // The defaults this folder lacks are listed but cannot be chosen, and a model that can run is preselected.
    expect(await page.locator('#live-model option[value="yolov5s"]').isDisabled()).toBe(true);
    expect([models.real, models.fixture]).toContain(await page.locator('#live-model').inputValue());
    await page.locator('#live-model').selectOption(models.real);
    const clip = await recordClip(page);

    await page.locator('#live-file-mode').selectOption('every');
    await page.locator('#live-file').setInputFiles({ name: 'bus.webm', mimeType: 'video/webm', buffer: clip });
    await page.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('#live-overlay')!.dataset.boxCount) > 0);
    expect(await text(page, 'live-model-used')).toBe(models.real);
    // Every frame: the clip is stepped to its end, each frame answered before the next is sent, none dropped.
    await page.locator('#live-status', { hasText: 'Done' }).waitFor({ timeout: 90_000 });
    // "Done: 59 frames (1.93 s of 1.95 s)": one frame per 1/30 s of the clip (whose length depends on how
    // steadily the recorder got frames), from its start to its end.
    const [, frames, reached, duration] = /Done: (\d+) frames \(([\d.]+) s of ([\d.]+) s\)/.exec((await text(page, 'live-status'))!)!.map(Number);
    expect(frames).toBeGreaterThanOrEqual(3);
    expect(reached).toBeGreaterThan(duration - 2 / 30);
    // Frames went at 0, 1/30, 2/30 s…; the time a seek reports is snapped to the file's own frames (± one).
    expect(Math.abs(frames - 1 - reached * 30)).toBeLessThanOrEqual(1);
    expect(await text(page, 'live-dropped')).toBe('0');
    await page.screenshot({ path: screenshotPath('live-video-every-frame'), fullPage: true });

    await page.locator('#live-file-mode').selectOption('latest');
    await page.evaluate(() => (document.querySelector<HTMLCanvasElement>('#live-overlay')!.dataset.boxCount = '0'));
    await page.locator('#live-file').setInputFiles({ name: 'bus-again.webm', mimeType: 'video/webm', buffer: clip });
    await page.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('#live-overlay')!.dataset.boxCount) > 0);
    expect(await page.locator('#live-video').evaluate((video: HTMLVideoElement) => !video.paused)).toBe(true);
    await page.getByRole('button', { name: 'Stop' }).click();
    expect(await page.locator('#live-error').isHidden()).toBe(true);
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
