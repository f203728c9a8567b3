import * as ort from 'onnxruntime-node';
import { COCO_CLASS_NAMES } from '@app/vision/coco-names';
import { parseNamesMetadata } from '@app/vision/onnx-metadata';
import { OnnxGraphBuilder } from './graph-builder';
import { OnnxDataType, OnnxProto } from './onnx-proto';
import { expectClose, syntheticImage } from './testing/synthetic-runs';
import { DFL_BINS, ULTRALYTICS_CLASS_COUNT, ULTRALYTICS_STRIDES, UltralyticsModel, ultralyticsCost } from './yolov8-architecture';
import { addUltralyticsDecode, buildUltralyticsOnnx, makeUltralyticsModel, ultralyticsRawPredictionName } from './yolov8-onnx';

interface DecodedModel {
  metadataProps: { key: string; value: string }[];
  graph: { initializer: { name: string; dims: number[] }[] };
}

function decode(bytes: Uint8Array): DecodedModel {
  return OnnxProto.ModelProto.toObject(OnnxProto.ModelProto.decode(bytes), { longs: Number }) as DecodedModel;
}

const { exp, max } = Math; // local bindings: global lookups are slow in jest's sandbox
const sigmoid = (v: number) => 1 / (1 + exp(-v));

/**
 * Detect's export-mode decoding written directly from its definition (DFL expectation per side, dist2bbox around
 * the cell centre, times the stride): the expected output [84, anchors], row-major, from the raw Detect maps.
 */
function referenceDecode(boxMaps: ort.Tensor[], classMaps: ort.Tensor[]): Float32Array {
  const anchors = boxMaps.reduce((sum, map) => sum + map.dims[2] * map.dims[3], 0);
  const out = new Float32Array((4 + ULTRALYTICS_CLASS_COUNT) * anchors);
  let anchor = 0;
  boxMaps.forEach((boxMap, level) => {
    const [, , ny, nx] = boxMap.dims;
    const box = boxMap.data as Float32Array;
    const classes = classMaps[level].data as Float32Array;
    const stride = ULTRALYTICS_STRIDES[level];
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, anchor++) {
        const distance = [0, 1, 2, 3].map((side) => {
          const logits = Array.from({ length: DFL_BINS }, (_, bin) => box[((side * DFL_BINS + bin) * ny + y) * nx + x]);
          const top = max(...logits);
          const weights = logits.map((logit) => exp(logit - top));
          return weights.reduce((sum, w, bin) => sum + w * bin, 0) / weights.reduce((sum, w) => sum + w, 0);
        });
        const [x1, y1, x2, y2] = [x + 0.5 - distance[0], y + 0.5 - distance[1], x + 0.5 + distance[2], y + 0.5 + distance[3]];
        [(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1].forEach((value, row) => (out[row * anchors + anchor] = value * stride));
        for (let c = 0; c < ULTRALYTICS_CLASS_COUNT; c++) out[(4 + c) * anchors + anchor] = sigmoid(classes[(c * ny + y) * nx + x]);
      }
    }
  });
  return out;
}

/** The model with its raw Detect maps as extra outputs, run on a synthetic image. */
async function runWithRawMaps(model: UltralyticsModel, height: number, width: number, dynamic = false) {
  const graph = buildUltralyticsOnnx({ model, dynamic });
  const raw = (branch: 'box' | 'class') => ULTRALYTICS_STRIDES.map((stride) => ultralyticsRawPredictionName(branch, stride));
  for (const branch of ['box', 'class'] as const) {
    raw(branch).forEach((name, level) => graph.addOutput(name, OnnxDataType.FLOAT, ['batch', branch === 'box' ? 4 * DFL_BINS : ULTRALYTICS_CLASS_COUNT, `rows${level}`, `columns${level}`]));
  }
  const session = await ort.InferenceSession.create(graph.toBytes());
  try {
    const result = await session.run({ images: syntheticImage(height, width) });
    return {
      session: { inputs: session.inputMetadata, outputs: session.outputMetadata },
      output: result.output0,
      expected: referenceDecode(raw('box').map((name) => result[name]), raw('class').map((name) => result[name])),
    };
  } finally {
    await session.release();
  }
}

describe('YOLOv8 / YOLO11 ONNX generator (seeded random weights)', () => {
  jest.setTimeout(60_000);
  const yolov8n = makeUltralyticsModel({ model: 'yolov8n' });
  let staticOutput: Float32Array;

  it("writes Ultralytics' export metadata plus the random-weights marker", () => {
    const metadata = Object.fromEntries(decode(yolov8n).metadataProps.map(({ key, value }) => [key, value]));
    expect(metadata).toEqual({
      description: 'Random-weight benchmark model with the Ultralytics YOLOv8n architecture: real compute cost, meaningless detections',
      stride: '32',
      task: 'detect',
      batch: '1',
      imgsz: '[640, 640]',
      names: expect.any(String),
      args: "{'batch': 1, 'dynamic': False, 'nms': False}",
      channels: '3',
      end2end: 'False',
      random_weights: 'true',
      architecture: 'yolov8',
    });
    expect(parseNamesMetadata(metadata.names)).toEqual([...COCO_CLASS_NAMES]);
  });

  it.each(['yolov8n', 'yolo11n'] as const)('%s stores exactly the architecture parameter count as conv weights and biases', (model) => {
    const bytes = model === 'yolov8n' ? yolov8n : makeUltralyticsModel({ model });
    const parameters = decode(bytes)
      .graph.initializer.filter(({ name }) => /^(conv_\d+\.(weight|bias)|dfl\.conv\.weight)$/.test(name))
      .reduce((sum, { dims }) => sum + dims.reduce((a, b) => a * b, 1), 0);
    expect(parameters).toBe(ultralyticsCost(model).parameters);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    expect(Buffer.from(makeUltralyticsModel({ model: 'yolov8n' })).equals(yolov8n)).toBe(true);
    expect(Buffer.from(makeUltralyticsModel({ model: 'yolov8n', seed: 2 })).equals(yolov8n)).toBe(false);
  });

  it('yolov8n loads in ORT as images [1,3,640,640] -> output0 [1,84,8400] and decodes Detect like the export', async () => {
    const { session, output, expected } = await runWithRawMaps('yolov8n', 640, 640);
    expect(session.inputs).toMatchObject([{ name: 'images', type: 'float32', shape: [1, 3, 640, 640] }]);
    expect(session.outputs[0]).toMatchObject({ name: 'output0', type: 'float32', shape: [1, 84, 8400] });
    expect(output.dims).toEqual([1, 84, 8400]);
    staticOutput = output.data as Float32Array;
    expectClose(staticOutput, expected);
    // Random weights keep boxes inside a plausible range and class scores near the Detect prior, not saturated.
    const widths = staticOutput.subarray(2 * 8400, 3 * 8400);
    const scores = staticOutput.subarray(4 * 8400);
    expect(widths.reduce((a, b) => Math.min(a, b))).toBeGreaterThan(0);
    expect(scores.reduce((a, b) => max(a, b))).toBeLessThan(0.5);
    expect(new Set(scores).size).toBeGreaterThan(1000);
  });

  it('dynamic variant: symbolic batch/height/width, the anchor points follow the input size', async () => {
    const same = await runWithRawMaps('yolov8n', 640, 640, true);
    expect(same.session.inputs).toMatchObject([{ name: 'images', shape: ['batch', 3, 'height', 'width'] }]);
    expect(same.session.outputs[0]).toMatchObject({ name: 'output0', shape: ['batch', 84, 'anchors'] });
    expectClose(same.output.data as Float32Array, staticOutput);

    const wide = await runWithRawMaps('yolov8n', 480, 640, true);
    expect(wide.output.dims).toEqual([1, 84, 6300]);
    expectClose(wide.output.data as Float32Array, wide.expected);
  });

  it('yolo11n (C3k2, C2PSA attention, depthwise class branch) runs and decodes like the export', async () => {
    const { output, expected } = await runWithRawMaps('yolo11n', 640, 640);
    expect(output.dims).toEqual([1, 84, 8400]);
    expectClose(output.data as Float32Array, expected);
  });
});

describe('addUltralyticsDecode with planted Detect maps', () => {
  it('turns one-hot DFL bins into the box they encode, in input pixels, and class logits into sigmoid scores', async () => {
    // A 64x64 input: maps of 8x8, 4x4 and 2x2 cells, 84 anchor points.
    const graph = new OnnxGraphBuilder();
    const levels = ULTRALYTICS_STRIDES.map((stride) => ({
      box: graph.addInput(`box${stride}`, OnnxDataType.FLOAT, [1, 4 * DFL_BINS, 64 / stride, 64 / stride]),
      classes: graph.addInput(`class${stride}`, OnnxDataType.FLOAT, [1, ULTRALYTICS_CLASS_COUNT, 64 / stride, 64 / stride]),
    }));
    addUltralyticsDecode(graph, levels, { height: 64, width: 64 });
    graph.addOutput('output0', OnnxDataType.FLOAT, [1, 84, 84]);
    const session = await ort.InferenceSession.create(graph.toBytes());

    const feeds: Record<string, ort.Tensor> = {};
    ULTRALYTICS_STRIDES.forEach((stride, level) => {
      const cells = (64 / stride) ** 2;
      feeds[levels[level].box] = new ort.Tensor('float32', new Float32Array(4 * DFL_BINS * cells), [1, 4 * DFL_BINS, 64 / stride, 64 / stride]);
      feeds[levels[level].classes] = new ort.Tensor('float32', new Float32Array(ULTRALYTICS_CLASS_COUNT * cells).fill(-20), [1, ULTRALYTICS_CLASS_COUNT, 64 / stride, 64 / stride]);
    });
    // Stride-16 map (4x4), cell x=2, y=1: centre (2.5, 1.5) cells = (40, 24) px. Distances left 1, top 0.5 (half
    // the logit mass on bins 0 and 1), right 3, bottom 2 cells -> x1 24, y1 16, x2 88, y2 56 px.
    const cell = 1 * 4 + 2;
    const box = feeds.box16.data as Float32Array;
    const plant = (side: number, bin: number) => (box[(side * DFL_BINS + bin) * 16 + cell] = 30);
    plant(0, 1);
    plant(1, 0);
    plant(1, 1);
    plant(2, 3);
    plant(3, 2);
    (feeds.class16.data as Float32Array)[5 * 16 + cell] = 0; // class 5 (bus): sigmoid(0) = 0.5

    const output = (await session.run(feeds)).output0.data as Float32Array;
    await session.release();
    const anchor = 64 + cell; // after the 64 stride-8 cells
    const column = (row: number) => output[row * 84 + anchor];
    expect([column(0), column(1), column(2), column(3)].map((v) => Number(v.toFixed(3)))).toEqual([56, 36, 64, 40]);
    expect(column(4 + 5)).toBeCloseTo(0.5, 6);
    expect(column(4 + 0)).toBeLessThan(1e-8);
    // An untouched anchor: uniform bins, each side 7.5 cells from the centre of stride-8 cell (0, 0).
    expect([0, 1, 2, 3].map((row) => output[row * 84])).toEqual([4, 4, 120, 120]);
  });
});
