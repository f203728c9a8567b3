import { createHash } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import { COCO_CLASS_NAMES } from '@app/vision/coco-names';
import { parseNamesMetadata } from '@app/vision/onnx-metadata';
import { decodeOnnxModel, OnnxDataType, OnnxProto } from './onnx-proto';
import { expectClose, syntheticImage } from './testing/synthetic-runs';
import { YOLOV5_ANCHORS, YOLOV5_STRIDES, yolov5Cost } from './yolov5-architecture';
import { buildYolov5Onnx, makeYolov5Model, yolov5RawPredictionName } from './yolov5-onnx';
import { makeYolov5ShapeFlexible } from './yolov5-shape-flexible';

interface DecodedModel {
  metadataProps: { key: string; value: string }[];
  graph: { initializer: { name: string; dims: number[] }[] };
}

function decode(bytes: Uint8Array): DecodedModel {
  return OnnxProto.ModelProto.toObject(OnnxProto.ModelProto.decode(bytes), { longs: Number }) as DecodedModel;
}

const { exp } = Math; // local bindings: global lookups are slow in jest's sandbox
const sigmoid = (v: number) => 1 / (1 + exp(-v));

function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** Detect's export-mode decoding written directly from its definition, to check the graph's decoding against. */
function referenceDecode(raw: ort.Tensor[], rowLength: number): Float32Array {
  const rows: number[] = [];
  raw.forEach((tensor, level) => {
    const [, , ny, nx] = tensor.dims;
    const data = tensor.data as Float32Array;
    const stride = YOLOV5_STRIDES[level];
    YOLOV5_ANCHORS[level].forEach(([anchorW, anchorH], a) => {
      for (let y = 0; y < ny; y++) {
        for (let x = 0; x < nx; x++) {
          const s = (k: number) => sigmoid(data[((a * rowLength + k) * ny + y) * nx + x]);
          rows.push((2 * s(0) - 0.5 + x) * stride, (2 * s(1) - 0.5 + y) * stride, (2 * s(2)) ** 2 * anchorW, (2 * s(3)) ** 2 * anchorH);
          for (let k = 4; k < rowLength; k++) rows.push(s(k));
        }
      }
    });
  });
  return Float32Array.from(rows);
}

describe('YOLOv5 ONNX generator (yolov5s, seeded random weights)', () => {
  const staticBytes = makeYolov5Model({ model: 'yolov5s' });
  let staticOutput: Float32Array;

  it('writes the metadata of the official export plus the random-weights marker', () => {
    const metadata = Object.fromEntries(decode(staticBytes).metadataProps.map(({ key, value }) => [key, value]));
    expect(metadata).toEqual({
      stride: '32',
      names: expect.any(String),
      random_weights: 'true',
      description: 'Random-weight benchmark model with the YOLOv5s v7.0 architecture: real compute cost, meaningless detections',
    });
    expect(parseNamesMetadata(metadata.names)).toEqual([...COCO_CLASS_NAMES]);
  });

  it('stores exactly the architecture parameter count as conv weights and biases', () => {
    const convParameters = decode(staticBytes)
      .graph.initializer.filter(({ name }) => /^conv_\d+\.(weight|bias)$/.test(name))
      .reduce((sum, { dims }) => sum + dims.reduce((a, b) => a * b, 1), 0);
    expect(convParameters).toBe(yolov5Cost('yolov5s').parameters);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const hash = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
    expect(hash(makeYolov5Model({ model: 'yolov5s' }))).toBe(hash(staticBytes));
    expect(hash(makeYolov5Model({ model: 'yolov5s', seed: 2 }))).not.toBe(hash(staticBytes));
  });

  it('loads in ORT with the export contract and decodes Detect exactly like the official export', async () => {
    const graph = buildYolov5Onnx({ model: 'yolov5s' });
    const rawNames = YOLOV5_STRIDES.map(yolov5RawPredictionName);
    rawNames.forEach((name, level) => graph.addOutput(name, OnnxDataType.FLOAT, [1, 255, 640 / YOLOV5_STRIDES[level], 640 / YOLOV5_STRIDES[level]]));
    const session = await ort.InferenceSession.create(graph.toBytes());
    expect(session.inputMetadata).toMatchObject([{ name: 'images', type: 'float32', shape: [1, 3, 640, 640] }]);
    expect(session.outputMetadata[0]).toMatchObject({ name: 'output0', type: 'float32', shape: [1, 25200, 85] });

    const result = await session.run({ images: syntheticImage(640, 640) });
    const output = result.output0;
    expect(output.dims).toEqual([1, 25200, 85]);
    staticOutput = output.data as Float32Array;
    expect(allFinite(staticOutput)).toBe(true);
    expectClose(staticOutput, referenceDecode(rawNames.map((name) => result[name]), 85));

    // Random weights keep objectness near YOLOv5's prior rather than saturating.
    const objectness = staticOutput.filter((_, i) => i % 85 === 4);
    expect(Math.max(...objectness)).toBeLessThan(0.5);
    expect(new Set(objectness).size).toBeGreaterThan(1000);
  });

  it("has the official static export's Detect head, which the load-time rewrite recognises", () => {
    expect(makeYolov5ShapeFlexible(decodeOnnxModel(staticBytes))).toEqual({ rewritten: true, levels: 3 });
  });

  it('dynamic variant: symbolic batch/height/width, the grid follows the input size', async () => {
    const graph = buildYolov5Onnx({ model: 'yolov5s', dynamic: true });
    const rawNames = YOLOV5_STRIDES.map(yolov5RawPredictionName);
    rawNames.forEach((name, level) => graph.addOutput(name, OnnxDataType.FLOAT, ['batch', 255, `rows${level}`, `columns${level}`]));
    const session = await ort.InferenceSession.create(graph.toBytes());
    expect(session.inputMetadata).toMatchObject([{ name: 'images', shape: ['batch', 3, 'height', 'width'] }]);
    expect(session.outputMetadata[0]).toMatchObject({ name: 'output0', shape: ['batch', 'anchors', 85] });

    const same = await session.run({ images: syntheticImage(640, 640) });
    expectClose(same.output0.data as Float32Array, staticOutput);

    const result = await session.run({ images: syntheticImage(480, 640) });
    expect(result.output0.dims).toEqual([1, 18900, 85]);
    const data = result.output0.data as Float32Array;
    expect(allFinite(data)).toBe(true);
    expectClose(data, referenceDecode(rawNames.map((name) => result[name]), 85));
  });
});
