import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decodeOnnxModel, encodeOnnxModel, floatValues, generateModelFiles, makeFixedOutputModel, makeYolov5ShapeFlexible, OnnxDataType, OnnxModel, shapeFlexibleReadsValues } from '@app/onnx-writer';
import { readOnnxModelHead } from './onnx-model-head';

const MODELS = resolve(__dirname, '../../../../shared/models');
const dir = mkdtempSync(join(tmpdir(), 'onnx-model-head-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

jest.setTimeout(60_000);

const fixture = join(dir, 'fixture.onnx');
let generatedStatic: string;
let tamperedGrid: string;
beforeAll(async () => {
  writeFileSync(fixture, makeFixedOutputModel({ rows: [] }));
  [{ path: generatedStatic }] = await generateModelFiles({ models: ['yolov5s'], seed: 3, outDir: dir });
  // The same graph with one cell of one grid moved: no longer a grid, which only its values tell.
  const model = decodeOnnxModel(readFileSync(generatedStatic));
  const grid = model.graph.initializer.find((tensor) => tensor.name.startsWith('grid_'))!;
  const values = floatValues(grid);
  values[2] += 1;
  grid.rawData = new Uint8Array(values.buffer);
  tamperedGrid = join(dir, 'tampered-grid.onnx');
  writeFileSync(tamperedGrid, encodeOnnxModel(model));
});

type Tensor = OnnxModel['graph']['initializer'][number];
const withoutValues = ({ rawData, floatData, int32Data, int64Data, ...head }: Tensor) => head;
const valueCounts = (tensor: Tensor) => [tensor.rawData, tensor.floatData, tensor.int32Data, tensor.int64Data].map((values) => values?.length ?? 0);

/** A model's bytes with its constants in name order (the encoding puts the ones read from the file last). */
const canonical = (model: OnnxModel) =>
  Buffer.from(encodeOnnxModel({ ...model, graph: { ...model.graph, initializer: [...model.graph.initializer].sort((a, b) => a.name.localeCompare(b.name)) } }));

describe('readOnnxModelHead', () => {
  it('reads the whole model but the values of the constants it is not asked to keep', async () => {
    const whole = decodeOnnxModel(readFileSync(generatedStatic));
    const { model: head } = await readOnnxModelHead(generatedStatic, (tensor) => tensor.dataType === OnnxDataType.INT64);
    expect({ ...head, graph: { ...head.graph, initializer: [] } }).toEqual({ ...whole, graph: { ...whole.graph, initializer: [] } });
    expect(head.graph.initializer.map(withoutValues)).toEqual(whole.graph.initializer.map(withoutValues));
    const kept = whole.graph.initializer.map((tensor) => (tensor.dataType === OnnxDataType.INT64 ? valueCounts(tensor) : [0, 0, 0, 0]));
    expect(head.graph.initializer.map(valueCounts)).toEqual(kept);
    expect(kept.filter((counts) => counts.some((count) => count > 0))).not.toEqual([]);
  });

  it.each([
    ['the official-type yolov5n.onnx', () => join(MODELS, 'yolov5n.onnx')],
    ['a generated static yolov5s', () => generatedStatic],
  ])('encodes %s whole again, and its rewrite as the whole file rewritten, the left-out values read into place', async (_, file) => {
    const whole = decodeOnnxModel(readFileSync(file()));
    const head = await readOnnxModelHead(file(), shapeFlexibleReadsValues);
    expect(canonical(decodeOnnxModel(await head.encode())).equals(canonical(whole))).toBe(true);
    expect(makeYolov5ShapeFlexible(head.model)).toEqual(makeYolov5ShapeFlexible(whole));
    expect(canonical(decodeOnnxModel(await head.encode())).equals(canonical(whole))).toBe(true);
  });

  it('will not encode from a file that has changed since its head was read', async () => {
    const file = join(dir, 'changing.onnx');
    writeFileSync(file, readFileSync(join(MODELS, 'yolov5n.onnx')));
    const head = await readOnnxModelHead(file, shapeFlexibleReadsValues);
    writeFileSync(file, readFileSync(join(MODELS, 'custom/waste-yolov5n.onnx')));
    await expect(head.encode()).rejects.toThrow(/changing\.onnx changed while it was being read/);
  });
});

describe('makeYolov5ShapeFlexible on the head read with shapeFlexibleReadsValues', () => {
  const files: [string, () => string][] = [
    ['the official-type yolov5n.onnx', () => join(MODELS, 'yolov5n.onnx')],
    ['the custom waste-yolov5n.onnx', () => join(MODELS, 'custom/waste-yolov5n.onnx')],
    ['yolov5n-dynamic.onnx (not static)', () => join(MODELS, 'yolov5n-dynamic.onnx')],
    ['an Ultralytics YOLOv8 INT8 export (not recognised)', () => join(MODELS, 'ultralytics/yolov8n-int8-dynamic.onnx')],
    ['a generated static yolov5s (grids as initializers)', () => generatedStatic],
    ['a generated yolov5s whose grid is off by one cell (not recognised)', () => tamperedGrid],
    ['a fixed-output fixture (not recognised)', () => fixture],
  ];

  it.each(files)('decides as on the whole file: %s', async (_, file) => {
    const whole = makeYolov5ShapeFlexible(decodeOnnxModel(readFileSync(file())));
    expect(makeYolov5ShapeFlexible((await readOnnxModelHead(file(), shapeFlexibleReadsValues)).model)).toEqual(whole);
  });

  it('tells a real grid from a tampered one (the values it keeps are the ones it reads)', async () => {
    expect(makeYolov5ShapeFlexible((await readOnnxModelHead(generatedStatic, shapeFlexibleReadsValues)).model)).toEqual({ rewritten: true, levels: 3 });
    expect(makeYolov5ShapeFlexible((await readOnnxModelHead(tamperedGrid, shapeFlexibleReadsValues)).model)).toEqual({ rewritten: false, reason: expect.stringMatching(/^the \[1, 3, 80, 80, 2\] constant grid_\w+ is neither a grid nor an anchor grid$/) });
  });
});
