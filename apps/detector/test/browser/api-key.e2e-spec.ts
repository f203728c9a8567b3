/// <reference lib="dom" />
import type { Browser } from 'playwright-core';
import { corpusFile } from '../support/paths';
import { RunningService, startService } from '../support/service';
import { launchChromium, screenshotPath } from './chromium';

jest.setTimeout(120_000);

const API_KEY = 'page-key-3c9e1f7a5b2d8046';

describe('the web page with API keys on (Debian chromium, headless)', () => {
  let service: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    [service, browser] = await Promise.all([startService({ env: { API_KEYS: API_KEY } }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.stop();
  });

  it('asks for the key once, keeps it for the tab, detects with it and opens the stream with it', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const prompts: string[] = [];
    page.on('dialog', (dialog) => {
      prompts.push(dialog.message());
      void dialog.accept(API_KEY);
    });
    const unauthorized: string[] = [];
    page.on('response', (response) => response.status() === 401 && unauthorized.push(response.url()));

    await page.goto(`${service.url}/ui`);
    await page.getByLabel('yolov5s', { exact: true }).waitFor(); // the model list loaded, with the key
    expect(prompts).toEqual([expect.stringMatching(/^An API key is required: send it as .*\n\nThe API key \(kept for this browser tab only\):$/)]);
    expect(unauthorized.length).toBeGreaterThan(0); // the page's first requests, before it had the key

    unauthorized.length = 0;
    await page.getByLabel('Choose a photo').setInputFiles(corpusFile('photos/bus.jpg'));
    await page.getByLabel('yolov5s', { exact: true }).check();
    await page.getByRole('button', { name: 'Detect objects' }).click();
    await page.locator('[data-model="yolov5s"] canvas[data-box-count]').waitFor();
    expect(Number(await page.locator('[data-model="yolov5s"] canvas').getAttribute('data-box-count'))).toBe(3);
    await page.screenshot({ path: screenshotPath('api-key-detected'), fullPage: true });

    // The stream's handshake carries the key as a subprotocol (a browser cannot set a WebSocket's headers), not in
    // its URL: the service opens it and selects the stream's own subprotocol, never the key's.
    // (A string: the test's transpiler would rewrite a dynamic import() in a function.)
    const streamUrls: string[] = [];
    page.on('websocket', (socket) => streamUrls.push(socket.url()));
    const opened = await page.evaluate(`import('/ui/api-key.js').then(({ openStreamSocket }) => new Promise((resolve, reject) => {
      const socket = openStreamSocket(new URLSearchParams({ model: 'yolov5s' }));
      socket.onmessage = (message) => resolve({ event: JSON.parse(message.data).event, protocol: socket.protocol });
      socket.onclose = (event) => reject(new Error('stream closed: ' + event.code));
    }))`);
    expect(opened).toEqual({ event: 'settings', protocol: 'detector-stream' });
    expect(streamUrls).toEqual([expect.stringMatching(/\/stream\?model=yolov5s$/)]);

    // A reload in the same tab keeps the key: no second prompt, no refusal.
    await page.reload();
    await page.getByLabel('yolov5s', { exact: true }).waitFor();
    expect(prompts).toHaveLength(1);
    expect(unauthorized).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it("Swagger UI's Authorize button takes the key, and Try it out then succeeds", async () => {
    const page = await browser.newPage();
    await page.goto(`${service.url}/docs`);
    const operation = page.locator('#operations-models-InfoController_models');
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    const execute = async () => {
      await operation.getByRole('button', { name: 'Execute' }).click();
      const status = operation.locator('.live-responses-table .response .response-col_status').first();
      await status.waitFor();
      const shown = Number.parseInt((await status.innerText()).trim(), 10); // "401" or "401 Undocumented"
      await operation.getByRole('button', { name: 'Clear' }).click();
      return shown;
    };
    expect(await execute()).toBe(401);

    await page.getByRole('button', { name: 'Authorize' }).first().click();
    // The dialog has a form per scheme (bearer, X-API-Key): one key in either is enough.
    const bearerForm = page.locator('.modal-ux form', { hasText: 'bearer (http, Bearer)' });
    await bearerForm.locator('input').fill(API_KEY);
    await bearerForm.getByRole('button', { name: 'Apply credentials' }).click();
    await page.locator('.modal-ux button.btn-done').first().click();
    expect(await execute()).toBe(200);
    await page.close();
  });
});
