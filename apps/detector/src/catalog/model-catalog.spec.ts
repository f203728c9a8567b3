import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeFixedOutputModel } from '@app/onnx-writer';
import { ModelProbe, probeModelFile } from '@app/vision';
import { ModelCatalog } from './model-catalog';
import { EMPTY_MODELS_CONFIG, ModelOptions, ModelsConfig, parseModelsConfig } from '../config/models-config';

const SHARED_MODELS = resolve(__dirname, '../../../../../shared/models');
const DEFAULTS: ModelOptions = { inputSize: 640, replicas: 1, threads: 2, loading: 'lazy', shapePolicy: 'rectangular' };
const fixture = (names?: string[]) => makeFixedOutputModel({ rows: [], names });

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function setUp(config: ModelsConfig = EMPTY_MODELS_CONFIG, expected: string[] = ['yolov5s', 'yolov5m', 'yolov5l'], probe: (file: string) => Promise<ModelProbe> = probeModelFile) {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  folders.push(dir);
  const logs: string[] = [];
  const log = { log: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) };
  const catalog = new ModelCatalog({ modelsDir: dir, config, defaults: DEFAULTS, expected, probe, log });
  const events: string[] = [];
  catalog.on('changed', (model) => events.push(`changed ${model.name} ${model.status}`));
  catalog.on('removed', (name) => events.push(`removed ${name}`));
  return { dir, catalog, logs, events, write: (name: string, bytes: Uint8Array | string = fixture()) => writeFileSync(join(dir, name), bytes) };
}

describe('ModelCatalog', () => {
  it('serves every *.onnx of the folder under its stem, beside the expected defaults (missing until they arrive)', async () => {
    const { catalog, write, dir } = setUp();
    write('yolov5s.onnx');
    write('my-detector.onnx', fixture(['cat', 'dog']));
    write('notes.txt', 'not a model');
    symlinkSync(join(SHARED_MODELS, 'custom/waste-yolov5n.onnx'), join(dir, 'waste.onnx'));
    await catalog.scan();
    expect(catalog.names).toEqual(['yolov5s', 'yolov5m', 'yolov5l', 'my-detector', 'waste']);
    expect(catalog.get('yolov5s')).toMatchObject({ status: 'not-loaded', fileName: 'yolov5s.onnx' });
    expect(catalog.get('yolov5m')).toMatchObject({ status: 'missing' });
    expect(catalog.get('my-detector')?.description?.classNames).toEqual(['cat', 'dog']);
    expect(catalog.get('waste')?.description).toMatchObject({ classNames: ['Biodegradable', 'Non-biodegradable'], inputShape: [1, 3, 640, 640] });
    expect(catalog.isReady()).toBe(true);
  });

  it('suggests yolov5s for examples and defaults when it can serve, else the first model that can, real weights first', async () => {
    const { catalog, write, dir } = setUp();
    await catalog.scan();
    expect(catalog.suggestedModel()).toBe('yolov5s'); // nothing can serve: the default, whose answer says how to install it
    write('yolov5n-random.onnx', makeFixedOutputModel({ rows: [], metadata: { random_weights: 'true' } }));
    await catalog.scan();
    expect(catalog.suggestedModel()).toBe('yolov5n-random');
    symlinkSync(join(SHARED_MODELS, 'yolov5n.onnx'), join(dir, 'yolov5n.onnx'));
    await catalog.scan();
    expect(catalog.suggestedModel()).toBe('yolov5n');
    write('yolov5s.onnx');
    await catalog.scan();
    expect(catalog.suggestedModel()).toBe('yolov5s');
  });

  it("describes an INT8 twin by its quantizer's record, and a float model as not quantized", async () => {
    const { catalog, write } = setUp();
    const record = { format: 'QDQ', source: 'yolov5s.onnx', calibration: { method: 'percentile', percentile: 99.999, images: 4 } };
    write('yolov5s.onnx');
    write('yolov5s-int8.onnx', makeFixedOutputModel({ rows: [], metadata: { quantization: JSON.stringify(record) } }));
    await catalog.scan();
    expect(catalog.get('yolov5s-int8')).toMatchObject({ status: 'not-loaded', description: { quantization: record } });
    expect(catalog.get('yolov5s')?.description?.quantization).toBeNull();
  });

  it('lists a file that fails the contract check as failed, with its reason and no server path; the others serve', async () => {
    const { catalog, write, dir } = setUp();
    write('yolov5s.onnx');
    write('broken.onnx', 'this is text, not a network');
    await catalog.scan();
    const broken = catalog.get('broken')!;
    expect(broken.status).toBe('failed');
    expect(broken.error).toMatch(/^broken\.onnx: not an ONNX model/);
    expect(broken.error).not.toContain(dir);
    expect(catalog.canServe('broken')).toBe(false);
    expect(catalog.canServe('yolov5s')).toBe(true);
  });

  it('says that a directory named like a model is not a file, and that a text file is not a model', async () => {
    const { catalog, dir, logs } = setUp();
    mkdirSync(join(dir, 'folder.onnx'));
    writeFileSync(join(dir, 'words.txt'), `r ${'w'.repeat(40)}`);
    symlinkSync(join(dir, 'words.txt'), join(dir, 'words.onnx'));
    await catalog.scan();
    expect(logs).toContain(`Model folder is not installed: ${join(dir, 'folder.onnx')} is not a file.`);
    expect(catalog.get('words')?.error).toMatch(/^words\.onnx: truncated or not an ONNX model/);
  });

  it('is not ready when every model is missing or broken, lazy loading included', async () => {
    const { catalog, write } = setUp();
    write('broken.onnx', 'garbage');
    await catalog.scan();
    expect(catalog.all().map((model) => model.status)).toEqual(['missing', 'missing', 'missing', 'failed']);
    expect(catalog.isReady()).toBe(false);
  });

  it('picks up files added, replaced and removed while running, at the next scan', async () => {
    const { catalog, write, dir, events } = setUp();
    await catalog.scan();
    expect(catalog.get('extra')).toBeUndefined();

    write('extra.onnx', fixture(['a']));
    write('yolov5m.onnx');
    await catalog.scan();
    expect(catalog.get('extra')?.status).toBe('not-loaded');
    expect(catalog.get('yolov5m')?.status).toBe('not-loaded');
    expect(events).toEqual(expect.arrayContaining(['changed extra not-loaded', 'changed yolov5m not-loaded']));

    catalog.markLoaded('extra', catalog.get('extra')!.version, 12);
    expect(catalog.get('extra')).toMatchObject({ status: 'loaded', runnersLoaded: 1 });
    // Replaced by another file (new inode): a new version, loaded again.
    write('extra.new', fixture(['a', 'b']));
    renameSync(join(dir, 'extra.new'), join(dir, 'extra.onnx'));
    await catalog.scan();
    expect(catalog.get('extra')).toMatchObject({ status: 'not-loaded', runnersLoaded: 0 });
    expect(catalog.get('extra')?.description?.classNames).toEqual(['a', 'b']);

    rmSync(join(dir, 'extra.onnx'));
    rmSync(join(dir, 'yolov5m.onnx'));
    await catalog.scan();
    // A discovered file that goes is no longer served; an expected default goes back to missing.
    expect(catalog.get('extra')).toBeUndefined();
    expect(catalog.get('yolov5m')?.status).toBe('missing');
    expect(events).toContain('removed extra');
  });

  it('ignores reports about an older version of a file, and marks a runner failure failed', async () => {
    const { catalog, write } = setUp();
    write('yolov5s.onnx');
    await catalog.scan();
    catalog.markLoaded('yolov5s', 'an-older-version', 5);
    expect(catalog.get('yolov5s')?.status).toBe('not-loaded');
    catalog.markFailed('yolov5s', catalog.get('yolov5s')!.version, `${catalog.get('yolov5s')!.file} could not be loaded by ONNX Runtime: bad weights`);
    expect(catalog.get('yolov5s')).toMatchObject({ status: 'failed', error: 'yolov5s.onnx could not be loaded by ONNX Runtime: bad weights' });
  });

  it('eager loading is done when every replica has loaded the model', async () => {
    const { catalog, write } = setUp(parseModelsConfig(JSON.stringify({ defaults: { loading: 'eager', replicas: 2 } }), 'test'));
    write('yolov5s.onnx');
    await catalog.scan();
    const { version } = catalog.get('yolov5s')!;
    expect(catalog.get('yolov5s')?.status).toBe('loading');
    expect(catalog.isReady()).toBe(false);
    catalog.markLoaded('yolov5s', version, 5);
    expect(catalog.get('yolov5s')?.status).toBe('loading');
    catalog.markLoaded('yolov5s', version, 5);
    expect(catalog.get('yolov5s')).toMatchObject({ status: 'loaded', runnersLoaded: 2 });
    expect(catalog.isReady()).toBe(true);
  });

  it('stays ready while a model added after start-up loads, so replicas sharing a models volume stay in service', async () => {
    const { catalog, write } = setUp(parseModelsConfig(JSON.stringify({ defaults: { loading: 'eager' } }), 'test'));
    write('yolov5s.onnx');
    await catalog.scan();
    expect(catalog.isReady()).toBe(false);
    catalog.markLoaded('yolov5s', catalog.get('yolov5s')!.version, 5);
    expect(catalog.isReady()).toBe(true);
    write('yolov5m.onnx');
    await catalog.scan();
    expect(catalog.get('yolov5m')?.status).toBe('loading');
    expect(catalog.isReady()).toBe(true);
  });

  it('ends start-up by itself once the initial models have loaded, with nothing asking isReady() in between', async () => {
    const { catalog, write } = setUp(parseModelsConfig(JSON.stringify({ defaults: { loading: 'eager' } }), 'test'));
    write('yolov5s.onnx');
    await catalog.scan();
    catalog.markLoaded('yolov5s', catalog.get('yolov5s')!.version, 5);
    write('yolov5m.onnx');
    await catalog.scan();
    expect(catalog.get('yolov5m')?.status).toBe('loading');
    expect(catalog.isReady()).toBe(true);
  });

  it('ends start-up with the first scan when no initial model has to load (lazy, missing or failed)', async () => {
    const { catalog, write } = setUp(parseModelsConfig(JSON.stringify({ models: { extra: { loading: 'eager' } } }), 'test'));
    write('yolov5s.onnx');
    write('broken.onnx', 'garbage');
    await catalog.scan();
    write('extra.onnx');
    await catalog.scan();
    expect(catalog.get('extra')?.status).toBe('loading');
    expect(catalog.isReady()).toBe(true);
  });

  it('does not end start-up before the first scan has seen every initial model, though a runner reports meanwhile', async () => {
    const eager = parseModelsConfig(JSON.stringify({ defaults: { loading: 'eager' } }), 'test');
    const { catalog, write } = setUp(eager, [], async (file) => {
      // A runner finishes loading a.onnx while the scan is still probing b.onnx.
      if (file.endsWith('b.onnx')) catalog.markLoaded('a', catalog.get('a')!.version, 5);
      return probeModelFile(file);
    });
    write('a.onnx');
    write('b.onnx');
    await catalog.scan();
    expect(catalog.all().map((model) => model.status)).toEqual(['loaded', 'loading']);
    expect(catalog.isReady()).toBe(false);
    catalog.markLoaded('b', catalog.get('b')!.version, 5);
    expect(catalog.isReady()).toBe(true);
  });

  it('follows the models config: renames, exclusions, per-model options, no discovery', async () => {
    const config = parseModelsConfig(
      JSON.stringify({
        defaults: { threads: 1 },
        models: { fast: { file: 'yolov5n.onnx', replicas: 2, shape_policy: 'fixed' }, big: { file: 'yolov5s6.onnx', input_size: 1280, loading: 'eager' }, yolov5l: false },
      }),
      'models.json',
    );
    const { catalog, write } = setUp(config);
    write('yolov5n.onnx');
    write('yolov5s6.onnx', makeFixedOutputModel({ rows: [], input: 'dynamic' }));
    write('yolov5l.onnx');
    write('other.onnx');
    await catalog.scan();
    expect(catalog.names).toEqual(['yolov5s', 'yolov5m', 'big', 'fast', 'other']);
    expect(catalog.get('fast')?.options).toEqual({ inputSize: 640, replicas: 2, threads: 1, loading: 'lazy', shapePolicy: 'fixed' });
    expect(catalog.get('big')?.options).toEqual({ inputSize: 1280, replicas: 1, threads: 1, loading: 'eager', shapePolicy: 'rectangular' });
    // The shape policy each will run with, predicted from the file and the config.
    expect(catalog.get('fast')?.description?.shape).toEqual({ policy: 'fixed', reason: 'pinned-by-config' });
    expect(catalog.get('big')?.description?.shape).toEqual({ policy: 'rectangular', reason: 'dynamic-export' });
    expect(catalog.get('other')?.description?.shape).toEqual({ policy: 'fixed', reason: 'graph-not-recognised', detail: expect.any(String) });
    expect(catalog.get('yolov5l')).toBeUndefined();

    const onlyNamed = setUp({ ...config, discover: false });
    onlyNamed.write('yolov5n.onnx');
    onlyNamed.write('other.onnx');
    await onlyNamed.catalog.scan();
    expect(onlyNamed.catalog.names).toEqual(['yolov5s', 'yolov5m', 'big', 'fast']);
    expect(onlyNamed.catalog.get('big')?.status).toBe('missing');
  });

  it('leaves out files whose stem is not a usable name, and says so once', async () => {
    const { catalog, write, logs } = setUp();
    write('my model.onnx');
    await catalog.scan();
    await catalog.scan();
    expect(catalog.get('my model')).toBeUndefined();
    expect(logs.filter((line) => line.includes('my model.onnx is not served'))).toHaveLength(1);
  });
});

describe('parseModelsConfig', () => {
  it('names every fault of a bad file', () => {
    const bad = JSON.stringify({ models: { 'bad name': {}, x: { replicas: 0, file: '../escape.onnx', shape_policy: 'round' } }, extra: 1 });
    expect(() => parseModelsConfig(bad, 'models.json')).toThrow(/^models\.json: .*"extra" is not allowed/);
    expect(() => parseModelsConfig(bad, 'models.json')).toThrow(/replicas" must be greater than or equal to 1/);
    expect(() => parseModelsConfig(bad, 'models.json')).toThrow(/file name in the models folder/);
    expect(() => parseModelsConfig(bad, 'models.json')).toThrow(/"models\.x\.shape_policy" must be one of \[rectangular, fixed\]/);
    expect(() => parseModelsConfig('{ nope', 'models.json')).toThrow(/models\.json is not valid JSON/);
  });

  it('defaults a named model\'s file to <name>.onnx', () => {
    expect(parseModelsConfig('{"models": {"yolov5x": {"replicas": 2}}}', 'm').models).toEqual({ yolov5x: { file: 'yolov5x.onnx', replicas: 2 } });
  });
});
