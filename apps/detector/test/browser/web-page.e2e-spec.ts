/// <reference lib="dom" />
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { classColours } from '@app/vision/class-colours';
import { DEFAULT_MODEL_NAMES } from '@app/model-store';
import { FIXTURE_ROWS, makeFixedOutputModel } from '@app/onnx-writer';
import { corpusFile, E2E_TMP } from '../support/paths';
import { RunningService, startService } from '../support/service';
import { launchChromium, screenshotPath } from './chromium';

jest.setTimeout(120_000);

const BUS = corpusFile('photos/bus.jpg');
const WEBP = corpusFile('odd/webp/pillow_hopper.webp');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

/** The fields of an answer these tests read: `detections` of a 200, `detail` of an error. */
interface ApiBody {
  detections: unknown[];
  detail: string;
}

/** What the API answers for bus.jpg: the page must show the same. */
async function apiAnswer(service: RunningService, path: string, fields: Record<string, string>, file = BUS): Promise<{ status: number; body: ApiBody }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('image', new Blob([readFileSync(file)]), 'upload');
  const response = await fetch(service.url + path, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as ApiBody };
}

async function expectedBoxes(service: RunningService, model: string, confidence: number): Promise<number> {
  const { body } = await apiAnswer(service, '/predict', { model, confidence_threshold: String(confidence) });
  return body.detections.length;
}

/** Opens every card's detections table and returns those whose columns do not fit the card (the Box column cut off). */
async function overflowingTables(page: Page): Promise<string[]> {
  return page.locator('details.detections').evaluateAll((details: HTMLDetailsElement[]) =>
    details.flatMap((element) => {
      element.open = true;
      const scroller = element.querySelector<HTMLElement>('.table-scroll')!;
      return scroller.scrollWidth > scroller.clientWidth ? [`${element.closest('[data-model]')?.getAttribute('data-model')}: ${scroller.scrollWidth} > ${scroller.clientWidth}`] : [];
    }),
  );
}

const boxCountOf = (page: Page, model: string) => page.locator(`[data-model="${model}"] canvas`).getAttribute('data-box-count').then(Number);

/** Pixels of the canvas in exactly this colour: label tabs are solid fills of their class colour. */
function pixelsOfColour(page: Page, model: string, hex: string): Promise<number> {
  return page.locator(`[data-model="${model}"] canvas`).evaluate((canvas: HTMLCanvasElement, colour) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b) count++;
    return count;
  }, hex);
}

describe('the companion web page (Debian chromium, headless)', () => {
  let service: RunningService;
  let browser: Browser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });
  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  async function openPage(viewport = DESKTOP): Promise<Page> {
    const page = await browser.newPage({ viewport, deviceScaleFactor: viewport === PHONE ? 2 : 1 });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${service.url}/ui`);
    await page.getByLabel('yolov5s', { exact: true }).waitFor(); // the model list has loaded
    return page;
  }

  it('is served at /ui while GET / keeps the seed title, and Swagger links to it', async () => {
    expect(await (await fetch(`${service.url}/`)).json()).toBe('YOLOv5 object detection API');
    const docs = (await (await fetch(`${service.url}/docs-json`)).json()) as { info: { description: string } };
    expect(docs.info.description).toContain('](/ui)');
    const page = await openPage();
    expect(await page.title()).toMatch(/YOLOv5 detector/);
    // Every control has a label.
    for (const label of ['Choose a photo', 'Minimum confidence', 'Overlap (NMS IoU)', 'yolov5m', 'yolov5l', 'Compare all']) {
      expect(await page.getByLabel(label).count()).toBe(1);
    }
    await page.close();
  });

  it("draws one model's boxes and filters them by confidence in the page, without a new request", async () => {
    const page = await openPage();
    const predictCalls: string[] = [];
    page.on('request', (request) => request.url().includes('/predict') && predictCalls.push(request.url()));

    await page.getByLabel('Choose a photo').setInputFiles(BUS);
    await page.getByLabel('yolov5s', { exact: true }).check();
    await page.getByRole('button', { name: 'Detect objects' }).click();
    await page.locator('[data-model="yolov5s"] canvas[data-box-count]').waitFor();

    const atDefault = await expectedBoxes(service, 'yolov5s', 0.25);
    expect(atDefault).toBe(3); // the fixture's person, bus and dog
    expect(await boxCountOf(page, 'yolov5s')).toBe(atDefault);
    expect(await page.locator('[data-model="yolov5s"] .box-count').textContent()).toBe(`${atDefault} boxes`);
    expect(await pixelsOfColour(page, 'yolov5s', classColours('person').box)).toBeGreaterThan(50);

    // Timing with the stage breakdown.
    expect(await page.locator('[data-model="yolov5s"] .total-ms').textContent()).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    const stages = await page.locator('[data-model="yolov5s"] .timing-stages dt').allTextContents();
    expect(stages).toEqual(['decode', 'preprocess', 'inference', 'postprocess']);
    for (const value of await page.locator('[data-model="yolov5s"] .timing-stages dd').allTextContents()) expect(value).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    await page.screenshot({ path: screenshotPath('desktop-one-model'), fullPage: true });

    // The slider re-filters what the page already has: its minimum shows the weak rows too, its maximum nothing.
    const slider = page.getByLabel('Minimum confidence');
    await slider.focus();
    await page.keyboard.press('Home');
    expect(await boxCountOf(page, 'yolov5s')).toBe(await expectedBoxes(service, 'yolov5s', 0.05));
    await page.keyboard.press('End');
    expect(await boxCountOf(page, 'yolov5s')).toBe(await expectedBoxes(service, 'yolov5s', 1));
    expect(await pixelsOfColour(page, 'yolov5s', classColours('person').box)).toBe(0);
    expect(predictCalls).toHaveLength(1);
    await page.close();
  });

  it('compares all three models side by side with their timings and agreement', async () => {
    const page = await openPage();
    await page.getByLabel('Choose a photo').setInputFiles(BUS);
    await page.getByLabel('Compare all').check();
    await page.getByRole('button', { name: 'Detect objects' }).click();
    for (const model of DEFAULT_MODEL_NAMES) await page.locator(`[data-model="${model}"] canvas[data-box-count]`).waitFor();

    for (const model of DEFAULT_MODEL_NAMES) {
      expect(await boxCountOf(page, model)).toBe(await expectedBoxes(service, model, 0.25));
      expect(await page.locator(`[data-model="${model}"] .total-ms`).textContent()).toMatch(/^\d+(\.\d+)? (ms|s)$/);
      expect(await page.locator(`[data-model="${model}"] .timing-stages dd`).count()).toBe(4);
    }
    expect(await page.locator('#status').textContent()).toMatch(/one after another/);
    const agreementRows = page.locator('#agreement-rows tr');
    expect(await agreementRows.count()).toBe(3);
    // Identical fixture models: every shown box is matched.
    expect(await agreementRows.first().locator('td').nth(1).textContent()).toBe('3 (3 / 3 boxes)');
    expect(await overflowingTables(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('desktop-compare'), fullPage: true });
    await page.close();
  });

  it("shows the service's message for a WebP file", async () => {
    const { status, body } = await apiAnswer(service, '/predict', { model: 'yolov5s' }, WEBP);
    expect(status).toBe(415);
    const page = await openPage();
    await page.getByLabel('Choose a photo').setInputFiles(WEBP);
    await page.getByRole('button', { name: 'Detect objects' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('(415)');
    expect(await alert.textContent()).toContain(body.detail);
    await page.screenshot({ path: screenshotPath('desktop-webp-error'), fullPage: true });
    await page.close();
  });

  it('works at phone width without sideways scrolling', async () => {
    const page = await openPage(PHONE);
    await page.getByLabel('Choose a photo').setInputFiles(BUS);
    await page.getByLabel('Compare all').check();
    await page.getByRole('button', { name: 'Detect objects' }).click();
    for (const model of DEFAULT_MODEL_NAMES) await page.locator(`[data-model="${model}"] canvas[data-box-count]`).waitFor();
    expect(await boxCountOf(page, 'yolov5l')).toBe(await expectedBoxes(service, 'yolov5l', 0.25));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    const canvasWidth = await page.locator('[data-model="yolov5s"] canvas').evaluate((canvas) => canvas.getBoundingClientRect().width);
    expect(canvasWidth).toBeGreaterThan(250);
    expect(canvasWidth).toBeLessThanOrEqual(PHONE.width);
    expect(await overflowingTables(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('phone-compare'), fullPage: true });
    await page.close();
  });

  it('scrolls the error banner into view on a phone', async () => {
    const page = await openPage(PHONE);
    await page.getByLabel('Choose a photo').setInputFiles(WEBP);
    await page.getByRole('button', { name: 'Detect objects' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    // Below the form on a phone: visible only if the page scrolled to it.
    const { top, bottom } = await alert.evaluate((element) => element.getBoundingClientRect().toJSON());
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
    expect(top).toBeGreaterThanOrEqual(-1); // sub-pixel layout at device scale 2, like bottom's +1
    expect(bottom).toBeLessThanOrEqual(PHONE.height + 1);
    await page.screenshot({ path: screenshotPath('phone-webp-error') });
    await page.close();
  });

  it('can be driven with the keyboard alone', async () => {
    const page = await openPage();
    const focused = () => page.evaluate(() => document.activeElement?.id || (document.activeElement as HTMLInputElement | null)?.value);
    await page.keyboard.press('Tab'); // API docs link
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('photo');
    // The focused file input opens the system's file dialog on Space; headless there is none to drive (and
    // Playwright's file-chooser interception raced the key press under load), so the file is set directly.
    await page.locator('#photo').setInputFiles(BUS);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('yolov5s');
    await page.keyboard.press('ArrowRight'); // radio group: moves and selects
    expect(await focused()).toBe('yolov5m');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('confidence');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('iou');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('detect');
    await page.keyboard.press('Enter');
    await page.locator('[data-model="yolov5m"] canvas[data-box-count]').waitFor();
    expect(await boxCountOf(page, 'yolov5m')).toBe(await expectedBoxes(service, 'yolov5m', 0.25));
    await page.close();
  });
});

describe('the companion web page with models missing and a small body limit', () => {
  const dir = join(E2E_TMP, 'models-web-partial');
  const SMALL_PHOTO = corpusFile('photos/darknet_person.jpg'); // 111 KB: under the limit, unlike bus.jpg (476 KB)
  let service: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    // yolov5s as `npm run models:generate` marks its files: random weights.
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'yolov5s.onnx'), makeFixedOutputModel({ rows: FIXTURE_ROWS.static, metadata: { random_weights: 'true' } }));
    [service, browser] = await Promise.all([startService({ env: { MODELS_DIR: dir, BODY_LIMIT_MB: '0.3' } }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  async function detectWith(page: Page, photo: string, model: string) {
    await page.getByLabel('Choose a photo').setInputFiles(photo);
    await page.getByLabel(model).check();
    await page.getByRole('button', { name: 'Detect objects' }).click();
  }

  it("shows the service's message for a photo over the size limit", async () => {
    const { status, body } = await apiAnswer(service, '/predict', { model: 'yolov5s' });
    expect(status).toBe(413);
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.goto(`${service.url}/ui`);
    await detectWith(page, BUS, 'yolov5s');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('(413)');
    expect(await alert.textContent()).toContain(body.detail);
    await page.screenshot({ path: screenshotPath('desktop-too-large'), fullPage: true });
    await page.close();
  });

  it('marks missing models, never preselects one, says which models Compare all runs, and that yolov5s has random weights', async () => {
    const state = await (await fetch(`${service.url}/models/yolov5s`)).json();
    expect(state).toMatchObject({ random_weights: true, notice: expect.stringMatching(/^yolov5s has random weights: .* finds nothing in photos/) });
    const page = await browser.newPage({ viewport: DESKTOP });
    await page.goto(`${service.url}/ui`);
    const option = page.getByLabel('yolov5l');
    await option.waitFor();
    expect(await page.locator('label', { has: option }).textContent()).toContain('not installed');
    expect(await option.isDisabled()).toBe(true);
    expect(await page.getByLabel('yolov5s').isChecked()).toBe(true);
    const hint = await page.locator('#models-hint').textContent();
    expect(hint).toContain('Not installed: yolov5m, yolov5l. Compare all runs yolov5s.');
    expect(hint).toMatch(/yolov5s has random weights: .* finds nothing in photos/);

    await detectWith(page, SMALL_PHOTO, 'Compare all');
    await page.locator('[data-model="yolov5s"] canvas[data-box-count]').waitFor();
    expect(await page.getByRole('alert').isHidden()).toBe(true);
    expect(await page.locator('[data-model="yolov5s"] .random-weights').textContent()).toMatch(/^yolov5s has random weights/);
    expect(await page.locator('[data-model="yolov5l"] .skipped-detail').textContent()).toMatch(/^Model yolov5l is not installed: the service's models folder has no yolov5l\.onnx/);
    await page.screenshot({ path: screenshotPath('desktop-compare-partial'), fullPage: true });
    await page.close();
  });
});

describe('the companion web page with no model installed', () => {
  const dir = join(E2E_TMP, 'models-web-none');
  let service: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    [service, browser] = await Promise.all([startService({ env: { MODELS_DIR: dir }, waitFor: 'live' }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('selects nothing, keeps Detect disabled and says why', async () => {
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(`${service.url}/ui`);
    await page.getByLabel('yolov5s').waitFor();
    await page.locator('#models-hint:not([hidden])').waitFor();
    expect(await page.locator('input[name="model"]:checked').count()).toBe(0);
    expect(await page.locator('input[name="model"]:not(:disabled)').count()).toBe(0);
    expect(await page.locator('#models-hint').textContent()).toMatch(/^No model is installed, so nothing can run yet/);
    expect(await page.locator('#models-hint').textContent()).not.toContain('Compare all runs');
    await page.getByLabel('Choose a photo').setInputFiles(BUS);
    expect(await page.getByRole('button', { name: 'Detect objects' }).isDisabled()).toBe(true);
    expect(await page.locator('#detect-hint').textContent()).toBe('No model can run: see the note under Model.');
    await page.screenshot({ path: screenshotPath('phone-no-model'), fullPage: true });
    await page.close();
  });
});
