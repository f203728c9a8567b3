import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Jimp } from 'jimp';
import { corpusFile, E2E_TMP } from '../support/paths';
import { RunningService, startService } from '../support/service';

/** The seed's Python clients (requests + pydantic, base64 PNG) keep working unchanged. */
describe('compatibility with the seed Python client', () => {
  let service: RunningService;
  let png: string;
  beforeAll(async () => {
    service = await startService();
    // The seed's clients send PNGs: re-encode the zidane photo as one.
    mkdirSync(E2E_TMP, { recursive: true });
    png = join(E2E_TMP, 'zidane.png');
    const image = await Jimp.read(corpusFile('photos/zidane.jpg'));
    await image.write(png as `${string}.png`);
  });
  afterAll(() => service.stop());

  it.each(['yolov5s', 'yolov5m', 'yolov5l'])('parses the answer for %s into the seed pydantic Result', (model) => {
    const run = spawnSync('python3', [join(__dirname, 'seed_client.py'), service.url, png, model], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.model).toBe(model);
    expect(result.detections).toEqual([
      { x_min: 440, y_min: 60, x_max: 840, y_max: 660, class_name: 'person', confidence: 0.855 },
      { x_min: 460, y_min: 100, x_max: 900, y_max: 660, class_name: 'bus', confidence: 0.64 },
      { x_min: 0, y_min: 480, x_max: 80, y_max: 560, class_name: 'dog', confidence: 0.63 },
    ]);
  });

  it('reads JSON sent without a JSON Content-Type as FastAPI does (requests data=, text/plain, curl -d @body.json)', () => {
    const run = spawnSync('python3', [join(__dirname, 'untyped_json_clients.py'), service.url, png], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const answer = { status: 200, detections: 3, detail: null };
    expect(JSON.parse(run.stdout)).toEqual({ 'requests data=': answer, 'text/plain': answer, 'curl -d @body.json': answer });
  });
});
