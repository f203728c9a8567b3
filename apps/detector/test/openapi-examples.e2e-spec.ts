import { describeWithFiles, realModelsFolder } from './support/real-models';
import { RunningService, startService } from './support/service';

interface Example {
  summary?: string;
  value: unknown;
}
interface MediaType {
  schema?: { $ref?: string };
  examples?: Record<string, Example>;
}
interface Operation {
  tags?: string[];
  parameters?: { name: string; in: string; example?: unknown; schema?: { enum?: unknown[]; example?: unknown } }[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface OpenApiDocument {
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties: Record<string, { example?: unknown; format?: string; $ref?: string }> }> };
}

const schemaOf = (document: OpenApiDocument, ref: string) => document.components.schemas[ref.replace('#/components/schemas/', '')];

/** The status an example request documents: the error answer that carries its name, otherwise the operation's 200. */
function documentedStatus(operation: Operation, name: string): number {
  const error = Object.entries(operation.responses).find(([, response]) => response.content?.['application/json']?.examples?.[name]);
  return error ? Number(error[0]) : 200;
}

/** The route's path with each path parameter set to its documented example (or the first value of its enum). */
function exampleUrl(path: string, operation: Operation): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const parameter = operation.parameters!.find((candidate) => candidate.name === name)!;
    return String(parameter.example ?? parameter.schema?.example ?? parameter.schema?.enum?.[0]);
  });
}

const operationsOf = (document: OpenApiDocument) =>
  Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));

/** Sends every JSON request example of the document; expects each documented status and, for errors, the very answer. */
async function expectEveryJsonExampleAnswered(url: string, document: OpenApiDocument) {
  const outcomes: string[] = [];
  const expected: string[] = [];
  for (const { path, method, operation } of operationsOf(document)) {
    const examples = operation.requestBody?.content['application/json']?.examples ?? {};
    for (const [name, { value }] of Object.entries(examples)) {
      const status = documentedStatus(operation, name);
      const response = await fetch(url + exampleUrl(path, operation), { method: method.toUpperCase(), headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) });
      const body = response.headers.get('content-type')?.includes('json') ? await response.json() : null;
      outcomes.push(`${path} "${name}": ${response.status} ${status === 200 ? '' : JSON.stringify(body)}`);
      const answer = operation.responses[status].content?.['application/json']?.examples?.[name]?.value;
      expected.push(`${path} "${name}": ${status} ${status === 200 ? '' : JSON.stringify(answer)}`);
    }
  }
  expect(outcomes.length).toBeGreaterThanOrEqual(15);
  expect(outcomes).toEqual(expected);
}

/**
 * Every example of the OpenAPI document is executable: each request Swagger UI offers is sent to the service as it
 * stands there and gets the status (and, for errors, the very answer) the document shows.
 */
describe('the OpenAPI document (Swagger UI) and its examples', () => {
  let service: RunningService;
  let document: OpenApiDocument;
  beforeAll(async () => {
    service = await startService();
    document = await (await fetch(`${service.url}/docs-json`)).json();
  });
  afterAll(() => service.stop());

  const operations = () => operationsOf(document);

  it('answers every JSON request example with its documented status and answer', () => expectEveryJsonExampleAnswered(service.url, document));

  it('answers every image route in multipart, with the form filled from the schema examples and the example image as file', async () => {
    for (const { path, operation } of operations().filter(({ operation }) => operation.requestBody?.content['multipart/form-data'])) {
      const { requestBody } = operation;
      const png = requestBody!.content['application/json'].examples!.png.value as { image: string };
      const form = new FormData();
      for (const [field, property] of Object.entries(schemaOf(document, requestBody!.content['multipart/form-data'].schema!.$ref!).properties)) {
        if (property.format === 'binary') form.append(field, new Blob([Buffer.from(png.image, 'base64')]), 'example.png');
        else if (property.example !== undefined) form.append(field, Array.isArray(property.example) ? property.example.join(',') : String(property.example));
      }
      const response = await fetch(service.url + path, { method: 'POST', body: form });
      expect(`${path} ${response.status}`).toBe(`${path} 200`);
    }
  });

  it('answers every GET route, with its parameters set to their examples, with its documented 200', async () => {
    const gets = operations().filter(({ method }) => method === 'get');
    expect(gets.length).toBeGreaterThanOrEqual(9);
    for (const { path, operation } of gets) {
      const url = exampleUrl(path, operation);
      expect(operation.responses['200']).toBeDefined();
      expect(`${url} ${(await fetch(service.url + url)).status}`).toBe(`${url} 200`);
    }
  });

  it('gives each error status of a route its own example', () => {
    for (const { path, operation } of operations()) {
      const details = Object.entries(operation.responses)
        .filter(([status]) => Number(status) >= 400)
        .map(([status, response]) => [status, JSON.stringify(response.content?.['application/json']?.examples ?? response.content?.['application/json'])] as const);
      const repeated = details.filter(([, detail], i) => details.findIndex(([, other]) => other === detail) !== i);
      expect(`${path}: ${repeated.map(([status]) => status).join(', ')}`).toBe(`${path}: `);
    }
  });

  it('lists /predict first and every route under one group', () => {
    expect(document.tags.map((tag) => tag.name)).toEqual(['detection', 'models', 'service', 'health']);
    const first = operations().find(({ operation }) => operation.tags?.includes(document.tags[0].name));
    expect(first?.path).toBe('/predict');
    expect(operations().filter(({ operation }) => operation.tags?.length !== 1).map(({ path }) => path)).toEqual([]);
  });

  it("shows a 200 answer whose model input is the 810×1080 photo's rectangle, where the official export now runs", () => {
    const input = document.components.schemas.PredictResponseDto.properties.input;
    const size = schemaOf(document, input.$ref ?? (input as { allOf: { $ref: string }[] }).allOf[0].$ref).properties;
    expect([size.width.example, size.height.example]).toEqual([480, 640]);
  });
});

const realModels = realModelsFolder('openapi-examples', ['coco', 'duckietown']);

describeWithFiles(realModels.missing)('the OpenAPI examples where yolov5s is not installed (real yolov5n and a custom model)', () => {
  let service: RunningService;
  let document: OpenApiDocument;
  beforeAll(async () => {
    service = await startService({ env: { MODELS_DIR: realModels.dir } });
    document = await (await fetch(`${service.url}/docs-json`)).json();
  });
  afterAll(() => service?.stop());

  it("names an installed model, and /predict's example image shows a real detection: one stop sign", async () => {
    const predict = document.paths['/predict'].post;
    const example = predict.requestBody!.content['application/json'].examples!.png.value as { model: string; image: string };
    expect(example.model).toBe(realModels.served.coco);
    const form = schemaOf(document, predict.requestBody!.content['multipart/form-data'].schema!.$ref!).properties;
    expect(form.model.example).toBe(realModels.served.coco);
    const response = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(example) });
    const { detections } = (await response.json()) as { detections: { class_name: string; confidence: number }[] };
    expect(detections.map(({ class_name }) => class_name)).toEqual(['stop sign']);
    expect(detections[0].confidence).toBeGreaterThan(0.8);
  });

  it('answers every JSON request example with its documented status and answer', () => expectEveryJsonExampleAnswered(service.url, document));
});
