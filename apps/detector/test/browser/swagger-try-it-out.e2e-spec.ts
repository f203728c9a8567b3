/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser, Locator, Page } from 'playwright-core';
import { corpusFile } from '../support/paths';
import { RunningService, startService } from '../support/service';
import { launchChromium, screenshotPath } from './chromium';

jest.setTimeout(120_000);

const BUS = corpusFile('photos/bus.jpg');

interface PredictAnswer {
  detections: { class_name: string }[];
}

/** The JSON of the answer Swagger UI shows after Execute. */
async function shownAnswer(operation: Locator): Promise<{ status: number; body: PredictAnswer }> {
  await operation.getByRole('button', { name: 'Execute' }).click();
  const live = operation.locator('.live-responses-table .response').first();
  await live.locator('.response-col_description pre').first().waitFor();
  const status = Number((await live.locator('.response-col_status').innerText()).trim());
  return { status, body: JSON.parse(await live.locator('.response-col_description pre').first().innerText()) as PredictAnswer };
}

/**
 * Swagger UI's try-it-out form for POST /predict, as a user meets it: an optional filter must start empty, or the
 * first photo they try comes back filtered (classes once arrived as "person, bus": the fixture's dog vanished, and a
 * custom model answered 422). The example stays in the field's description.
 */
describe('Swagger UI try-it-out of POST /predict (Debian chromium, headless)', () => {
  let service: RunningService;
  let browser: Browser;
  let page: Page;
  let operation: Locator;

  beforeAll(async () => {
    [service, browser] = await Promise.all([startService(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  beforeEach(async () => {
    page = await browser.newPage();
    await page.goto(`${service.url}/docs`);
    operation = page.locator('#operations-detection-DetectionController_predict');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
  });
  afterEach(() => page.close());

  /** Every class the fixture model answers for bus.jpg when nothing filters it. */
  async function unfilteredClasses(): Promise<string[]> {
    const form = new FormData();
    form.append('model', 'yolov5s');
    form.append('image', new Blob([new Uint8Array(readFileSync(BUS))]), 'bus.jpg');
    const answer = (await (await fetch(`${service.url}/predict`, { method: 'POST', body: form })).json()) as PredictAnswer;
    return answer.detections.map(({ class_name }) => class_name);
  }

  it('multipart: the classes field starts with no item, so an uploaded photo comes back unfiltered', async () => {
    await operation.locator('.opblock-section-request-body select').first().selectOption('multipart/form-data');
    const classesRow = operation.locator('.opblock-section-request-body tr', { hasText: 'classes' }).first();
    await expect(classesRow.locator('input[type="text"]').count()).resolves.toBe(0);
    await expect(classesRow.innerText()).resolves.toMatch(/e\.g\. `?\["person", "bus"\]/);
    await operation.locator('input[type="file"]').setInputFiles(BUS);
    const { status, body } = await shownAnswer(operation);
    expect(status).toBe(200);
    const expected = await unfilteredClasses();
    expect(expected).toContain('dog'); // a class a pre-filled person/bus filter would have dropped
    expect(body.detections.map(({ class_name }) => class_name)).toEqual(expected);
    await page.screenshot({ path: screenshotPath('swagger-try-it-out-multipart'), fullPage: false });
  });

  it('JSON: the example body sends an empty classes list, which filters nothing', async () => {
    const editor = operation.locator('textarea.body-param__text');
    const example = JSON.parse(await editor.inputValue()) as { classes?: unknown; image: string };
    expect(example.classes ?? []).toEqual([]);
    // The user pastes their photo's base64 into the example and executes it as it stands otherwise.
    await editor.fill(JSON.stringify({ ...example, image: readFileSync(BUS).toString('base64') }));
    const { status, body } = await shownAnswer(operation);
    expect(status).toBe(200);
    expect(body.detections.map(({ class_name }) => class_name)).toEqual(await unfilteredClasses());
  });
});
