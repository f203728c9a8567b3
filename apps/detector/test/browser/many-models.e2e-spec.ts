/// <reference lib="dom" />
import type { Browser, Page } from 'playwright-core';
import { writeFixtureModels } from '../support/fixture-models';
import { describeWithFiles, realModelsFolder } from '../support/real-models';
import { RunningService, startService } from '../support/service';
import { fakeCameraArgs, launchChromium, screenshotPath, writeFakeCamera } from './chromium';

jest.setTimeout(180_000);

/** A small phone (iPhone SE / mini class). */
const PHONE = { width: 375, height: 812 };

/** Seven models, as a team member's folder holds them: four real networks and the three defaults (fixtures here). */
const folder = realModelsFolder('seven', ['coco', 'cocoDynamic', 'duckietown', 'waste']);

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describeWithFiles(folder.missing)('the web page with seven models, at phone width (Debian chromium)', () => {
  let service: RunningService;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    writeFixtureModels(folder.dir, 'static');
    const camera = await writeFakeCamera('fake-camera-crowd', ['photos/darknet_kite.jpg']);
    [service, browser] = await Promise.all([startService({ env: { MODELS_DIR: folder.dir } }), launchChromium(fakeCameraArgs(camera))]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: PHONE, deviceScaleFactor: 2 });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${service.url}/ui`);
    await page.locator('#model-options input[value="compare"]').waitFor({ state: 'attached' });
    return page;
  }

  it('keeps the seven model buttons and Compare all inside their card', async () => {
    const page = await openPage();
    expect(await page.locator('#model-options label').count()).toBe(8);
    await page.locator('#controls').screenshot({ path: screenshotPath('seven-models-phone') });
    const card = (await page.locator('#controls').boundingBox())!;
    const outside = await page.locator('#model-options label').evaluateAll(
      (labels: HTMLElement[], box) =>
        labels.flatMap((label) => {
          const { left, right } = label.getBoundingClientRect();
          return left < box.x || right > box.x + box.width ? [`${label.textContent}: ${Math.round(left)}–${Math.round(right)}`] : [];
        }),
      card,
    );
    expect(outside).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('says when the live model runs at its own size rather than the chosen input size', async () => {
    const page = await openPage();
    const note = page.locator('#live-size-note');
    // The fixture yolov5s is a static graph the rewrite does not know, so it keeps its square; the real static
    // yolov5n is made rectangular at load, so it takes the input size like the dynamic export.
    await page.locator('#live-model').selectOption('yolov5s');
    await page.locator('#live-size').selectOption('320');
    await note.waitFor();
    await page.locator('#live-mode').screenshot({ path: screenshotPath('live-size-note-phone') });
    expect(await note.textContent()).toBe('yolov5s runs at its fixed 640×640 input, so Input size 320 does not apply to it.');
    for (const rectangular of ['yolov5n', 'yolov5n-dynamic']) {
      await page.locator('#live-model').selectOption(rectangular);
      expect(await note.isHidden()).toBe(true);
    }
    await page.locator('#live-model').selectOption('yolov5s');
    await page.locator('#live-size').selectOption('640');
    expect(await note.isHidden()).toBe(true);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('draws live labels that do not cover each other on a crowded beach', async () => {
    const page = await openPage();
    await page.locator('#live-model').selectOption('yolov5n-dynamic');
    await page.getByRole('button', { name: 'Start camera' }).click();
    await page.waitForFunction(() => Number(document.querySelector<HTMLCanvasElement>('#live-overlay')!.dataset.boxCount) >= 8);
    const labels = JSON.parse((await page.locator('#live-overlay').getAttribute('data-labels'))!) as Rect[];
    expect(labels.length).toBeGreaterThanOrEqual(4);
    const covered = labels.flatMap((a, i) => labels.slice(i + 1).filter((b) => overlap(a, b)).map((b) => `${JSON.stringify(a)} × ${JSON.stringify(b)}`));
    expect(covered).toEqual([]);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.locator('#live-stage').screenshot({ path: screenshotPath('live-labels-phone') });
    await page.getByRole('button', { name: 'Stop' }).click();
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
