import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateModelFiles } from '@app/onnx-writer';
import { corpusFile, E2E_TMP } from './support/paths';
import { RunningService, startService } from './support/service';

/**
 * Decoding and inference run in worker threads, so the HTTP event loop stays free: GET /health keeps answering
 * while heavy predictions are in flight. The models have the real YOLOv5 s/m/l architectures (random weights), so
 * each prediction costs what it costs in production. Counts answers, not timings.
 */
describe('the event loop while predictions run', () => {
  let service: RunningService;
  beforeAll(async () => {
    const modelsDir = join(E2E_TMP, 'models-real');
    await generateModelFiles({ outDir: modelsDir, models: ['yolov5s', 'yolov5m', 'yolov5l'] });
    service = await startService({ env: { MODELS_DIR: modelsDir }, timeoutMs: 120_000 });
  }, 180_000);
  afterAll(() => service.stop());

  it("runs the generated static files as the official ones: rewritten at load, bus.jpg at AutoShape's 480x640", async () => {
    for (const model of ['yolov5s', 'yolov5m', 'yolov5l']) {
      const body = await (await fetch(`${service.url}/models/${model}`)).json();
      expect([body.input_shape, body.shape_policy, body.shape_policy_reason]).toEqual([[1, 3, 640, 640], 'rectangular', 'static-export-rewritten']);
    }
    const form = new FormData();
    form.append('model', 'yolov5s');
    form.append('image', new Blob([readFileSync(corpusFile('photos/bus.jpg'))], { type: 'image/jpeg' }), 'bus.jpg');
    const response = await fetch(`${service.url}/predict`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect((await response.json()).input).toEqual({ width: 480, height: 640 });
  });

  it('answers /health many times during three heavy /predict calls', async () => {
    const photo = readFileSync(corpusFile('photos/phone_size_4032x2688.jpg'));
    await fetch(`${service.url}/health`); // the first request pays for lazy initialisation
    let predictionsDone = 0;
    const predictions = ['yolov5s', 'yolov5m', 'yolov5l'].map(async (model) => {
      const form = new FormData();
      form.append('model', model);
      form.append('image', new Blob([photo], { type: 'image/jpeg' }), 'phone.jpg');
      const response = await fetch(`${service.url}/predict`, { method: 'POST', body: form });
      expect(response.status).toBe(200);
      predictionsDone++;
    });

    const answeredDuringPredictions: number[] = [];
    while (predictionsDone < 3) {
      const started = performance.now();
      const response = await fetch(`${service.url}/health`);
      expect(await response.json()).toBe('HEALTH OK');
      if (predictionsDone < 3) answeredDuringPredictions.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(predictions);
    // Were the loop blocked by decoding or inference, /health would answer only between predictions.
    expect(answeredDuringPredictions.length).toBeGreaterThanOrEqual(10);
    console.log(`/health answered ${answeredDuringPredictions.length} times during the predictions; slowest ${Math.max(...answeredDuringPredictions).toFixed(1)} ms`);
  });
});
