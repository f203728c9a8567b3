import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFixtureModels } from '../support/fixture-models';
import { E2E_TMP } from '../support/paths';
import { RunningService, startService } from '../support/service';
import { answerOf, corpusBytes } from '../support/helpers';

/** What hostile HTTP clients found (issue 20): echoes of their own input, confusing messages, 503s without Retry-After. */
describe('HTTP answers to hostile clients', () => {
  let service: RunningService;
  const json = (body: string): RequestInit => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body });

  beforeAll(async () => {
    const dir = join(E2E_TMP, 'models-hostile-http');
    mkdirSync(dir, { recursive: true });
    writeFixtureModels(dir, 'static', ['yolov5s']);
    // What a model file holds while it is rewritten in place, or when it was never a model.
    writeFileSync(join(dir, 'rewritten.onnx'), 'half a file');
    service = await startService({ env: { MODELS_DIR: dir } });
  });
  afterAll(() => service?.stop());

  it('says that the body must be a JSON object when it is null or a number, on /predict and /v2', async () => {
    for (const [path, body] of [['/predict', 'null'], ['/predict', '42'], ['/v2/models/yolov5s/infer', 'null']]) {
      const { status, body: answer } = await answerOf(await fetch(`${service.url}${path}`, json(body)));
      expect({ path, body, status, answer }).toEqual({ path, body, status: 400, answer: expect.objectContaining(path === '/predict' ? { detail: 'The body must be a JSON object.' } : { error: 'The body must be a JSON object.' }) });
    }
  });

  it('says which /v2 field must be an object or an array, without class-validator\'s noise', async () => {
    const answers = await Promise.all(['{"inputs":[1]}', '{"inputs":"abc"}'].map(async (body) => (await answerOf(await fetch(`${service.url}/v2/models/yolov5s/infer`, json(body)))).body));
    expect(answers).toEqual([{ error: 'inputs.0 must be an object' }, { error: 'inputs must be an array' }]);
  });

  it('quotes a 10 kB unknown model name in a short answer', async () => {
    const name = 'y'.repeat(10_000);
    const image = corpusBytes('photos/bus.jpg').toString('base64');
    const answers = [
      await fetch(`${service.url}/models/${name}`),
      await fetch(`${service.url}/v2/models/${name}/infer`, json(JSON.stringify({ inputs: [] }))),
      await fetch(`${service.url}/predict`, json(JSON.stringify({ model: name, image }))),
    ];
    for (const answer of answers) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect((await answer.text()).length).toBeLessThan(1000);
    }
  });

  it('sends Retry-After with the 503 of a model whose file is not (yet) a model', async () => {
    const answer = await fetch(`${service.url}/predict`, json(JSON.stringify({ model: 'rewritten', image: corpusBytes('photos/bus.jpg').toString('base64') })));
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(((await answer.json()) as { detail: string }).detail).toContain('not an ONNX model');
  });
});
