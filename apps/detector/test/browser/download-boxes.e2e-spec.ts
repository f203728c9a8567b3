/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { corpusFile } from '../support/paths';
import { RunningService, startService } from '../support/service';
import { launchChromium } from './chromium';

jest.setTimeout(120_000);

const BUS = corpusFile('photos/bus.jpg');

describe("the web page's downloads (Debian chromium, headless)", () => {
  let service: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('saves the detections with sub-pixel boxes, as /predict answers them with float_boxes', async () => {
    const page = await browser.newPage({ acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${service.url}/ui`);
    await page.getByLabel('Choose a photo').setInputFiles(BUS);
    await page.getByLabel('yolov5s', { exact: true }).check();
    await page.getByRole('button', { name: 'Detect objects' }).click();
    await page.locator('[data-model="yolov5s"] canvas[data-box-count]').waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-model="yolov5s"]').getByRole('button', { name: /Download boxes/ }).click()]);
    expect(download.suggestedFilename()).toBe('bus-yolov5s.json');
    const saved = JSON.parse(readFileSync(await download.path(), 'utf8'));

    const form = new FormData();
    form.append('model', 'yolov5s');
    form.append('confidence_threshold', '0.25');
    form.append('iou_threshold', '0.45');
    form.append('float_boxes', 'true');
    form.append('image', new Blob([readFileSync(BUS)]), 'bus.jpg');
    const api = await (await fetch(`${service.url}/predict`, { method: 'POST', body: form })).json();
    expect(saved.model).toBe('yolov5s');
    expect(saved.detections).toEqual(api.detections);
    // The fixture's person box starts at x = 236.25 in bus.jpg: the saved corners are not truncated.
    expect(saved.detections[0].x_min).toBe(236.25);
    expect(errors).toEqual([]);
    await page.close();
  });
});
