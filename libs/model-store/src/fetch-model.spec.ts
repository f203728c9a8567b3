import { makeContractBreakingModel, makeFixedOutputModel } from '@app/onnx-writer';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadProgress } from './download-progress';
import { fetchMissingModels, fetchModel, FetchModelOptions, formatFetchSummary, ModelFetchError } from './fetch-model';
import { closedPort, ModelServer, startModelServer } from './testing/model-server';

// Big enough to arrive in several 64 KiB pieces, small enough to build and load quickly.
const MODEL = makeFixedOutputModel({ rows: [], numRows: 2000 });
const OTHER_MODEL = makeFixedOutputModel({ rows: [], numRows: 10 });
const NOT_ONNX = new TextEncoder().encode('<html><body>Sign in to continue</body></html>');
// The start of a PyTorch checkpoint: a zip archive whose first entry is the pickled state.
const CHECKPOINT = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('yolov8n/data.pkl'), Buffer.alloc(100_000, 7)]);

describe('fetchModel', () => {
  let server: ModelServer;
  let modelsDir: string;

  beforeAll(async () => {
    server = await startModelServer({
      good: { '*': { kind: 'file', bytes: MODEL } },
      chunked: { '*': { kind: 'file', bytes: MODEL, chunked: true } },
      truncated: { '*': { kind: 'truncated', bytes: MODEL } },
      stall: { '*': { kind: 'stall', bytes: MODEL } },
      error500: { '*': { kind: 'status', status: 500 } },
      html: { '*': { kind: 'file', bytes: NOT_ONNX } },
      'wrong-contract': { '*': { kind: 'file', bytes: makeContractBreakingModel('output-columns') } },
      mixed: { 'yolov5s.onnx': { kind: 'file', bytes: MODEL } },
      assets: { 'yolov8n.pt': { kind: 'file', bytes: CHECKPOINT }, 'yolo11n.pt': { kind: 'file', bytes: NOT_ONNX } },
    });
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), 'model-store-'));
    server.requests.length = 0;
  });
  afterEach(() => rm(modelsDir, { recursive: true, force: true }));

  const fetchFrom = (route: string, options: Partial<FetchModelOptions> = {}) =>
    fetchModel({ name: 'yolov5s', baseUrl: `${server.origin}/${route}`, modelsDir, ...options });
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the fetch to fail');
      },
      (error: unknown) => error as ModelFetchError,
    );

  it('downloads, verifies and renames the model into place, reporting growing byte counts', async () => {
    const progress: [number, number | undefined][] = [];
    const result = await fetchFrom('good', { onProgress: (received, total) => progress.push([received, total]) });

    const file = join(modelsDir, 'yolov5s.onnx');
    expect(result).toEqual({ name: 'yolov5s', file, status: 'fetched', bytes: MODEL.length });
    expect(Buffer.compare(await readFile(file), MODEL)).toBe(0);
    expect(await readdir(modelsDir)).toEqual(['yolov5s.onnx']);
    expect(server.requests).toEqual(['/good/yolov5s.onnx']);

    expect(progress.length).toBeGreaterThan(2);
    const counts = progress.map(([received]) => received);
    counts.slice(1).forEach((count, i) => expect(count).toBeGreaterThan(counts[i]));
    expect(counts.at(-1)).toBe(MODEL.length);
    expect(new Set(progress.map(([, total]) => total))).toEqual(new Set([MODEL.length]));
  });

  it('downloads an Ultralytics checkpoint as <name>.pt from the assets URL and says how to export it', async () => {
    const result = await fetchModel({ name: 'yolov8n', modelsDir, baseUrl: `${server.origin}/good`, checkpointBaseUrl: `${server.origin}/assets` });
    const file = join(modelsDir, 'yolov8n.pt');
    expect(result).toEqual({ name: 'yolov8n', file, status: 'fetched', bytes: CHECKPOINT.length, exportCommand: `yolo export model=${file} format=onnx` });
    expect(server.requests).toEqual(['/assets/yolov8n.pt']);
    expect(Buffer.compare(await readFile(file), CHECKPOINT)).toBe(0);
    expect(formatFetchSummary([result])).toContain(`export it to ONNX (pip install ultralytics) with \`yolo export model=${file} format=onnx\``);

    const again = await fetchModel({ name: 'yolov8n', modelsDir, checkpointBaseUrl: `${server.origin}/assets` });
    expect(again).toMatchObject({ status: 'present', exportCommand: `yolo export model=${file} format=onnx` });

    const error = await failureOf(fetchModel({ name: 'yolo11n', modelsDir, checkpointBaseUrl: `${server.origin}/assets` }));
    expect(error.reason).toBe('invalid-model');
    expect(error.message).toContain('not a zip archive');
    expect(await readdir(modelsDir)).toEqual(['yolov8n.pt']);
  });

  it('accepts a body without Content-Length and reports an unknown total', async () => {
    const totals = new Set<number | undefined>();
    const result = await fetchFrom('chunked', { onProgress: (_, total) => totals.add(total) });
    expect(result.status).toBe('fetched');
    expect(Buffer.compare(await readFile(result.file), MODEL)).toBe(0);
    expect(totals).toEqual(new Set([undefined]));
  });

  it('leaves an existing file alone without asking the server, and replaces it with force', async () => {
    const file = join(modelsDir, 'yolov5s.onnx');
    await writeFile(file, OTHER_MODEL);

    await expect(fetchFrom('good')).resolves.toEqual({ name: 'yolov5s', file, status: 'present', bytes: OTHER_MODEL.length });
    expect(server.requests).toEqual([]);
    expect(Buffer.compare(await readFile(file), OTHER_MODEL)).toBe(0);

    await expect(fetchFrom('good', { force: true })).resolves.toMatchObject({ status: 'fetched', bytes: MODEL.length });
    expect(Buffer.compare(await readFile(file), MODEL)).toBe(0);
    expect(await readdir(modelsDir)).toEqual(['yolov5s.onnx']);
  });

  it('keeps the existing file when a forced download fails', async () => {
    const file = join(modelsDir, 'yolov5s.onnx');
    await writeFile(file, OTHER_MODEL);
    await expect(fetchFrom('truncated', { force: true })).rejects.toThrow(/incomplete/);
    expect(Buffer.compare(await readFile(file), OTHER_MODEL)).toBe(0);
    expect(await readdir(modelsDir)).toEqual(['yolov5s.onnx']);
  });

  it('rejects a body that ends short of Content-Length and leaves no file behind', async () => {
    const error = await failureOf(fetchFrom('truncated'));
    expect(error).toBeInstanceOf(ModelFetchError);
    expect(error.reason).toBe('truncated');
    expect(error.message).toContain(`${server.origin}/truncated/yolov5s.onnx is incomplete`);
    expect(error.message).toMatch(new RegExp(`after \\d+ of ${MODEL.length} bytes`));
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it.each([
    ['error500', 500],
    ['no-such-route', 404],
  ])('names the URL and status of an HTTP error (%s)', async (route, status) => {
    const error = await failureOf(fetchFrom(route));
    expect(error.reason).toBe('http');
    expect(error.message).toBe(`Downloading yolov5s failed: ${server.origin}/${route}/yolov5s.onnx answered HTTP ${status} ${
      status === 500 ? 'Internal Server Error' : 'Not Found'
    }`);
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('rejects a body that is not an ONNX model and deletes it', async () => {
    const error = await failureOf(fetchFrom('html'));
    expect(error.reason).toBe('invalid-model');
    expect(error.message).toContain(`${server.origin}/html/yolov5s.onnx did not give a usable yolov5s model`);
    expect(error.message).toMatch(/not an ONNX model/);
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('rejects an ONNX model that breaks the YOLOv5 contract', async () => {
    const error = await failureOf(fetchFrom('wrong-contract'));
    expect(error.reason).toBe('invalid-model');
    expect(error.message).toMatch(/does not have the YOLOv5 export contract: output "\w+" has \d+ columns/);
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('keeps an unverified body when verify is false', async () => {
    const result = await fetchFrom('html', { verify: false });
    expect(result.status).toBe('fetched');
    expect(await readFile(result.file, 'utf8')).toBe(Buffer.from(NOT_ONNX).toString('utf8'));
  });

  it('explains how to get the file by hand when the host is unreachable', async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}/models`;
    const error = await failureOf(fetchModel({ name: 'yolov5m', baseUrl, modelsDir }));
    expect(error.reason).toBe('unreachable');
    expect(error.message).toContain('the network or host is unreachable (ECONNREFUSED');
    expect(error.message).toContain(`download ${baseUrl}/yolov5m.onnx`);
    expect(error.message).toContain(`save it as ${join(modelsDir, 'yolov5m.onnx')}`);
    expect(error.message).toContain('MODELS_BASE_URL');
    expect(error.message).toContain('npm run models:generate');
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('tells how to export a checkpoint fetched by hand when its host is unreachable', async () => {
    const checkpointBaseUrl = `http://127.0.0.1:${await closedPort()}/assets`;
    const error = await failureOf(fetchModel({ name: 'yolo11s', checkpointBaseUrl, modelsDir }));
    expect(error.reason).toBe('unreachable');
    const file = join(modelsDir, 'yolo11s.pt');
    expect(error.message).toContain(`download ${checkpointBaseUrl}/yolo11s.pt`);
    expect(error.message).toContain(`save it as ${file}; then export it with \`yolo export model=${file} format=onnx\``);
    expect(error.message).not.toContain('MODELS_BASE_URL');
  });

  it('stops on abort and removes the partial download', async () => {
    const controller = new AbortController();
    const download = fetchFrom('stall', { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(download).rejects.toMatchObject({ name: 'AbortError' });
    expect(await readdir(modelsDir)).toEqual([]);
  });

  it('refuses a name that is not a plain file name', async () => {
    await expect(fetchModel({ name: '../yolov5s', baseUrl: server.origin, modelsDir })).rejects.toThrow(/not a valid model name/);
    expect(server.requests).toEqual([]);
  });

  describe('fetchMissingModels', () => {
    it('reports each model without stopping at a failure, with one progress display per download', async () => {
      await writeFile(join(modelsDir, 'yolov5m.onnx'), OTHER_MODEL);
      const displays: { name: string; updates: number; stopped: boolean }[] = [];
      const createProgress = (name: string): DownloadProgress => {
        const display = { name, updates: 0, stopped: false };
        displays.push(display);
        return { update: () => void display.updates++, stop: () => void (display.stopped = true) };
      };

      const outcomes = await fetchMissingModels({
        names: ['yolov5s', 'yolov5m', 'yolov5l'],
        baseUrl: `${server.origin}/mixed`,
        modelsDir,
        createProgress,
      });

      expect(outcomes).toEqual([
        { name: 'yolov5s', file: join(modelsDir, 'yolov5s.onnx'), status: 'fetched', bytes: MODEL.length },
        { name: 'yolov5m', file: join(modelsDir, 'yolov5m.onnx'), status: 'present', bytes: OTHER_MODEL.length },
        expect.objectContaining({
          name: 'yolov5l',
          status: 'failed',
          message: `Downloading yolov5l failed: ${server.origin}/mixed/yolov5l.onnx answered HTTP 404 Not Found`,
        }),
      ]);
      expect(displays).toEqual([{ name: 'yolov5s', updates: expect.any(Number), stopped: true }]);
      expect(displays[0].updates).toBeGreaterThan(1);
      expect((await readdir(modelsDir)).sort()).toEqual(['yolov5m.onnx', 'yolov5s.onnx']);

      const summary = formatFetchSummary(outcomes);
      expect(summary).toMatch(/✓ yolov5s: downloaded/);
      expect(summary).toMatch(/✓ yolov5m: already present/);
      expect(summary).toMatch(/✗ yolov5l: Downloading yolov5l failed/);
      expect(summary.split('\n').at(-1)).toBe('1 of 3 models failed');
    });

    it('rejects when aborted instead of reporting the rest as failed', async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        fetchMissingModels({ names: ['yolov5s', 'yolov5m'], baseUrl: `${server.origin}/good`, modelsDir, signal: controller.signal }),
      ).rejects.toMatchObject({ name: 'AbortError' });
      expect(await readdir(modelsDir)).toEqual([]);
    });
  });
});
