import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeFixedOutputModel } from '@app/onnx-writer';
import { DEFAULT_MODEL_NAMES } from '@app/model-store';
import { bmpImage, eventually, metric, predictMultipart, scrape } from './support/helpers';
import { InferenceRequest, InferenceResponse, ModelMetadata, OpenInferenceClient, ProtocolAnswer, ServerMetadata, SPEC_DATATYPES } from './support/open-inference-client';
import { corpusFile, E2E_TMP, REPO_ROOT } from './support/paths';
import { RunningService, startService } from './support/service';

const busJpeg = readFileSync(corpusFile('photos/bus.jpg'));
const output = OpenInferenceClient.output;
const bytesInput = OpenInferenceClient.bytesInput;

/** The fixture models' answer on bus.jpg (810x1080), as POST /predict gives it (see predict.e2e-spec.ts). */
const BUS_BOXES = [236, 286, 573, 793, 253, 320, 624, 793, 0, 641, 0, 708];
const BUS_SCORES = [0.855, 0.64, 0.63];
const BUS_CLASS_NAMES = ['person', 'bus', 'dog'];
/** Their indices among the COCO names the fixture models carry. */
const BUS_CLASS_IDS = [0, 5, 16];

/** What the spec says of every error answer: an error status and a body that is exactly `{"error": $string}`. */
function expectProtocolError(answer: ProtocolAnswer<unknown>, status: number, message: RegExp) {
  expect({ status: answer.status, body: answer.body }).toEqual({ status, body: { error: expect.stringMatching(message) } });
}

/** What the spec says of every response output: a datatype from its table, and data that fills the shape. */
function expectWellFormedOutputs(response: InferenceResponse, metadata: ModelMetadata) {
  for (const tensor of response.outputs) {
    const declared = metadata.outputs.find((candidate) => candidate.name === tensor.name)!;
    expect(SPEC_DATATYPES).toContain(tensor.datatype);
    expect(tensor.datatype).toBe(declared.datatype);
    expect(tensor.shape).toHaveLength(declared.shape.length);
    declared.shape.forEach((dimension, axis) => dimension !== -1 && expect(tensor.shape[axis]).toBe(dimension));
    expect(tensor.data).toHaveLength(tensor.shape.reduce((count, dimension) => count * dimension, 1));
  }
}

describe('Open Inference Protocol (KServe v2) with the static fixture models', () => {
  let service: RunningService;
  let client: OpenInferenceClient;
  beforeAll(async () => {
    service = await startService();
    client = new OpenInferenceClient(service.url);
  });
  afterAll(() => service.stop());

  it('GET /v2: server metadata with the package name and version', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const answer = await client.serverMetadata();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual<ServerMetadata>({ name: 'yolov5-detector', version, extensions: [] });
  });

  it('GET /v2/health/live and /v2/health/ready: 200 with the spec\'s bodies', async () => {
    expect(await client.serverLive()).toMatchObject({ status: 200, body: { live: true } });
    expect(await client.serverReady()).toMatchObject({ status: 200, body: { ready: true } });
  });

  it.each(DEFAULT_MODEL_NAMES)('GET /v2/models/%s: metadata with one BYTES input and the four outputs; ready', async (model) => {
    const metadata = await client.modelMetadata(model);
    expect(metadata.status).toBe(200);
    expect(metadata.body).toEqual<ModelMetadata>({
      name: model,
      platform: 'onnx_onnxv1',
      inputs: [{ name: 'image', datatype: 'BYTES', shape: [1] }],
      outputs: [
        { name: 'boxes', datatype: 'FP32', shape: [-1, 4] },
        { name: 'scores', datatype: 'FP32', shape: [-1] },
        { name: 'class_ids', datatype: 'INT32', shape: [-1] },
        { name: 'class_names', datatype: 'BYTES', shape: [-1] },
      ],
    });
    expect(await client.modelReady(model)).toMatchObject({ status: 200, body: { name: model, ready: true } });
  });

  it('POST /v2/models/{name}/infer: the detections of /predict as named output tensors, the id echoed', async () => {
    const answer = await client.infer('yolov5s', { id: 'bus-1', inputs: [bytesInput('image', busJpeg)] });
    expect(answer.status).toBe(200);
    const response = answer.body as InferenceResponse;
    expect(response.model_name).toBe('yolov5s');
    expect(response.id).toBe('bus-1');
    expect(response).not.toHaveProperty('model_version'); // the spec: servers without versions leave it out
    expect(response.outputs.map((tensor) => tensor.name)).toEqual(['boxes', 'scores', 'class_ids', 'class_names']);
    expect(output(response, 'boxes')).toEqual({ name: 'boxes', datatype: 'FP32', shape: [3, 4], data: BUS_BOXES });
    expect(output(response, 'scores')).toEqual({ name: 'scores', datatype: 'FP32', shape: [3], data: BUS_SCORES });
    expect(output(response, 'class_ids')).toEqual({ name: 'class_ids', datatype: 'INT32', shape: [3], data: BUS_CLASS_IDS });
    expect(output(response, 'class_names')).toEqual({ name: 'class_names', datatype: 'BYTES', shape: [3], data: BUS_CLASS_NAMES });
    expect(response.parameters).toEqual({ confidence_threshold: 0.25, iou_threshold: 0.45, max_detections: 1000, image_width: 810, image_height: 1080 });
    expectWellFormedOutputs(response, (await client.modelMetadata('yolov5s')).body as ModelMetadata);

    const predict = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'yolov5s', image: busJpeg.toString('base64') }) });
    const { detections } = (await predict.json()) as { detections: { x_min: number; y_min: number; x_max: number; y_max: number; class_name: string; confidence: number }[] };
    expect(detections.flatMap((d) => [d.x_min, d.y_min, d.x_max, d.y_max])).toEqual(output(response, 'boxes').data);
    expect(detections.map((d) => d.confidence)).toEqual(output(response, 'scores').data);
  });

  it('returns only the outputs asked for, in the order asked; accepts nested tensor data', async () => {
    const answer = await client.infer('yolov5m', {
      id: '42',
      inputs: [{ name: 'image', shape: [1, 1], datatype: 'BYTES', data: [[busJpeg.toString('base64')]] }],
      outputs: [{ name: 'class_names' }, { name: 'scores' }],
    });
    expect(answer.status).toBe(200);
    expect((answer.body as InferenceResponse).outputs).toEqual([
      { name: 'class_names', datatype: 'BYTES', shape: [3], data: BUS_CLASS_NAMES },
      { name: 'scores', datatype: 'FP32', shape: [3], data: BUS_SCORES },
    ]);
  });

  it('takes the thresholds as request parameters and echoes the values applied', async () => {
    const filtered = await client.infer('yolov5l', { parameters: { confidence_threshold: 0.6, classes: 'person, dog' }, inputs: [bytesInput('image', busJpeg)] });
    expect(output(filtered.body as InferenceResponse, 'class_names').data).toEqual(['person', 'dog']);
    expect((filtered.body as InferenceResponse).parameters).toMatchObject({ confidence_threshold: 0.6, classes: 'person,dog' });
    // IoU 0.95 keeps the second person (IoU 0.88 with the first); at most two boxes.
    const loose = await client.infer('yolov5l', { parameters: { iou_threshold: 0.95, max_detections: 2 }, inputs: [bytesInput('image', busJpeg)] });
    expect(output(loose.body as InferenceResponse, 'scores').data).toEqual([0.855, 0.765]);
  });

  it("answers the spec's own example request (two inputs this model does not have) with a 400 naming the input", async () => {
    const specExample: InferenceRequest = {
      id: '42',
      inputs: [
        { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
        { name: 'input1', shape: [3], datatype: 'BOOL', data: [true] },
      ],
      outputs: [{ name: 'output0' }],
    };
    expectProtocolError(await client.infer('yolov5s', specExample), 400, /^Unknown input "input0": the model takes one input named "image" \(datatype BYTES, shape \[1\]/);
  });

  const image = (overrides: Record<string, unknown> = {}) => ({ ...bytesInput('image', busJpeg), ...overrides });
  it.each<[string, string, InferenceRequest | string, number, RegExp]>([
    ['an unknown model', 'yolov9', { inputs: [image()] }, 404, /^Unknown model "yolov9". Available models: yolov5s, yolov5m, yolov5l\.$/],
    ['a datatype other than BYTES', 'yolov5s', { inputs: [image({ datatype: 'FP32' })] }, 400, /must be BYTES/],
    ['a datatype outside the spec', 'yolov5s', { inputs: [image({ datatype: 'STRING' })] }, 400, /^inputs\.0\.datatype must be one of the following values: BOOL, /],
    ['a batch of two images', 'yolov5s', { inputs: [image({ shape: [2], data: ['a', 'b'] })] }, 400, /shape \[1\], not \[2\]/],
    ['data that does not fill the shape', 'yolov5s', { inputs: [image({ data: [] })] }, 400, /must hold 1 element, not 0/],
    ['invalid base64', 'yolov5s', { inputs: [image({ data: ['not base64!'] })] }, 400, /base64-encoded image file/],
    ['bytes that are not an image', 'yolov5s', { inputs: [image({ data: [Buffer.from('hello').toString('base64')] })] }, 400, /not an image/],
    ['a WebP image', 'yolov5s', { inputs: [bytesInput('image', readFileSync(corpusFile('odd/webp/pillow_hopper.webp')))] }, 415, /WEBP images are not supported/],
    ['an out-of-range parameter', 'yolov5s', { parameters: { confidence_threshold: 2 }, inputs: [image()] }, 400, /^parameters\.confidence_threshold must not be greater than 1$/],
    ['a class the model does not have', 'yolov5s', { parameters: { classes: 'person,unicorn' }, inputs: [image()] }, 400, /"unicorn" not among yolov5s's classes/],
    ['an unknown output', 'yolov5s', { inputs: [image()], outputs: [{ name: 'output0' }] }, 400, /^Unknown output "output0"/],
    ['no inputs', 'yolov5s', { inputs: [] }, 400, /inputs must contain at least 1 elements/],
    ['malformed JSON', 'yolov5s', '{"inputs": [', 400, /JSON/],
  ])('refuses %s with the protocol error object', async (_case, model, request, status, message) => {
    expectProtocolError(await client.infer(model, request), status, message);
  });

  it('answers unknown model paths with the protocol error object too', async () => {
    expectProtocolError(await client.modelMetadata('yolov9'), 404, /^Unknown model "yolov9"/);
    expectProtocolError(await client.modelReady('yolov9'), 404, /^Unknown model "yolov9"/);
    // Versions are optional in the spec and this server has none.
    const versioned = await fetch(`${service.url}/v2/models/yolov5s/versions/1`);
    expect({ status: versioned.status, body: await versioned.json() }).toEqual({ status: 404, body: { error: expect.stringMatching(/^Cannot GET/) } });
  });

  it('is in Swagger, every /v2 route, and the request examples of /infer answer as the document shows', async () => {
    type Examples = Record<string, { value: unknown }>;
    type Operation = { requestBody?: { content: Record<string, { examples?: Examples }> }; responses: Record<string, { content?: Record<string, { examples?: Examples }> }> };
    const document = (await (await fetch(`${service.url}/docs-json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/v2'))).toEqual(['/v2', '/v2/health/live', '/v2/health/ready', '/v2/models/{name}', '/v2/models/{name}/ready', '/v2/models/{name}/infer']);
    const infer = document.paths['/v2/models/{name}/infer'].post;
    const examples = Object.entries(infer.requestBody!.content['application/json'].examples!);
    expect(examples.map(([name]) => name)).toEqual(['png', 'spec example', 'webp']);
    for (const [name, { value }] of examples) {
      const [status, documented] = Object.entries(infer.responses)
        .map(([code, response]) => [Number(code), response.content?.['application/json']?.examples?.[name]?.value] as const)
        .find(([, example]) => example !== undefined) ?? [200, undefined];
      const answer = await client.infer('yolov5s', value as InferenceRequest);
      expect(`${name}: ${answer.status}`).toBe(`${name}: ${status}`);
      if (documented) expect(answer.body).toEqual(documented);
    }
  });

  it("leaves the seed routes' error shape as it was", async () => {
    const predict = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(predict.status).toBe(422);
    expect(await predict.json()).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', detail: expect.stringContaining('model') });
  });
});

describe('Open Inference Protocol: models not ready, and class ids of a custom model', () => {
  const dir = join(E2E_TMP, 'models-open-inference');
  let service: RunningService;
  let client: OpenInferenceClient;
  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    // Only yolov5s, a custom 3-class model answering one "boots" box in the middle of the 640x640 input.
    const rows = [{ cx: 320, cy: 320, w: 64, h: 128, objectness: 0.9, classIndex: 2, classScore: 0.9 }];
    writeFileSync(join(dir, 'yolov5s.onnx'), makeFixedOutputModel({ rows, names: ['helmet', 'vest', 'boots'] }));
    service = await startService({ env: { MODELS_DIR: dir } });
    client = new OpenInferenceClient(service.url);
  });
  afterAll(() => service.stop());

  it("numbers classes by the model's own names", async () => {
    const answer = await client.infer('yolov5s', { inputs: [bytesInput('image', busJpeg)] });
    const response = answer.body as InferenceResponse;
    expect(output(response, 'class_ids').data).toEqual([2]);
    expect(output(response, 'class_names').data).toEqual(['boots']);
  });

  it('answers a model that is not installed: not ready (503 + Retry-After), and inference 503 saying how to install it', async () => {
    const ready = await client.modelReady('yolov5m');
    expect({ status: ready.status, body: ready.body }).toEqual({ status: 503, body: { name: 'yolov5m', ready: false } });
    expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
    expectProtocolError(await client.infer('yolov5m', { inputs: [bytesInput('image', busJpeg)] }), 503, /^Model yolov5m is not installed: the service's models folder has no yolov5m\.onnx/);
    // The server serves: one model is enough.
    expect((await client.serverReady()).status).toBe(200);
  });
});

describe('Open Inference Protocol: a server with no model', () => {
  it('is live but not ready (503 + Retry-After); a body over the limit is refused before routing, in the protocol shape', async () => {
    const dir = join(E2E_TMP, 'models-none');
    mkdirSync(dir, { recursive: true });
    const service = await startService({ env: { MODELS_DIR: dir, BODY_LIMIT_MB: '1' }, waitFor: 'live' });
    try {
      const client = new OpenInferenceClient(service.url);
      expect(await client.serverLive()).toMatchObject({ status: 200, body: { live: true } });
      const ready = await client.serverReady();
      expect({ status: ready.status, body: ready.body }).toEqual({ status: 503, body: { ready: false } });
      expect(ready.headers.get('retry-after')).toMatch(/^\d+$/);
      const tooLarge = await client.infer('yolov5s', { inputs: [bytesInput('image', Buffer.alloc(1024 * 1024))] });
      expectProtocolError(tooLarge, 413, /^The request body is too large: the limit is 1 MB\.$/);
    } finally {
      await service.stop();
    }
  });
});

describe('Open Inference Protocol under overload', () => {
  it('refuses inference while every worker is busy and the queue is full: 503 + Retry-After, the protocol error object', async () => {
    const service = await startService({ env: { LOG_LEVEL: 'error', WORKER_THREADS: '1', QUEUE_DEPTH: '1', BODY_LIMIT_MB: '100' } });
    try {
      // 24 megapixels of BMP keep the runner busy for about half a second each; it takes two at once.
      const slowImage = bmpImage(6000, 4000);
      const running = [predictMultipart(service.url, slowImage), predictMultipart(service.url, slowImage)];
      await eventually(async () => metric(await scrape(service.url), 'detector_workers_busy') === 2);
      const queued = predictMultipart(service.url, slowImage);
      await eventually(async () => metric(await scrape(service.url), 'detector_queue_depth') === 1);

      const refused = await new OpenInferenceClient(service.url).infer('yolov5s', { inputs: [bytesInput('image', busJpeg)] });
      expectProtocolError(refused, 503, /^(The service|Model yolov5s) is at capacity/);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await Promise.all(running)).map((answer) => answer.status)).toEqual([200, 200]);
      expect((await queued).status).toBe(200);
    } finally {
      await service.stop();
    }
  });
});

describe('Open Inference Protocol while shutting down', () => {
  it('stays live, turns unready (server and models) and refuses inference with 503 + Retry-After until the work in flight is done', async () => {
    const service = await startService({ env: { LOG_LEVEL: 'warn', WORKER_THREADS: '1', BODY_LIMIT_MB: '100', SHUTDOWN_GRACE_MS: '20000' } });
    const client = new OpenInferenceClient(service.url);
    const inFlight = predictMultipart(service.url, bmpImage(6000, 4000));
    await eventually(async () => metric(await scrape(service.url), 'detector_workers_busy') === 1);

    const exitCode = service.stop('SIGTERM');
    await eventually(async () => (await client.serverReady()).status === 503, 2_000);
    expect((await client.serverReady()).body).toEqual({ ready: false });
    expect(await client.modelReady('yolov5s')).toMatchObject({ status: 503, body: { name: 'yolov5s', ready: false } });
    expect(await client.serverLive()).toMatchObject({ status: 200, body: { live: true } });
    const late = await client.infer('yolov5s', { inputs: [bytesInput('image', busJpeg)] });
    expectProtocolError(late, 503, /^The service is shutting down/);
    expect(late.headers.get('retry-after')).toMatch(/^\d+$/);

    expect((await inFlight).status).toBe(200);
    expect(await exitCode).toBe(0);
  });
});
