import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeOnnxModel, encodeOnnxModel, makeUltralyticsModel, OnnxModel } from '@app/onnx-writer';
import { letterboxToTensor, planLetterbox } from '@app/vision';
import { decodeImage } from '@app/vision/imaging';
import { ActivationRangeCollector, DEFAULT_PERCENTILE } from './activation-ranges';
import { withTensorsAsOutputs } from './calibration-outputs';
import { quantizeModel } from './qdq-transform';
import { nameUnnamedNodes, planQuantization } from './quantization-plan';

const { abs, log, max, min } = Math; // local bindings: global lookups are slow in jest's sandbox
const PHOTOS = resolve(__dirname, '../../../../shared/datasets/coco128/images');
// The dynamic export at 320x320 keeps calibration affordable: histograms of every activation are built in JS.
const SIZE = 320;
const ANCHORS = 2100;

/** A generated YOLOv8n export (dynamic input size) with named nodes, as the quantizer reads a file. */
function yolov8n(): OnnxModel {
  const model = decodeOnnxModel(makeUltralyticsModel({ model: 'yolov8n', dynamic: true }));
  nameUnnamedNodes(model.graph);
  return model;
}

/** A photo letterboxed to a square as the service prepares a request. */
async function photoTensor(file: string): Promise<ort.Tensor> {
  const input = { height: SIZE, width: SIZE };
  const bitmap = await decodeImage(readFileSync(file), { resampleTo: (image) => planLetterbox(image, input).resized });
  const data = letterboxToTensor(bitmap, planLetterbox(bitmap.fullSize, input), new Float32Array(3 * SIZE * SIZE));
  return new ort.Tensor('float32', data, [1, 3, SIZE, SIZE]);
}

/** Box of anchor `i` of an output [84, anchors] as corners. */
function corners(output: Float32Array, i: number): [number, number, number, number] {
  const [cx, cy, w, h] = [0, 1, 2, 3].map((row) => output[row * ANCHORS + i]);
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

function iou(a: number[], b: number[]): number {
  const overlap = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]));
  const area = (box: number[]) => (box[2] - box[0]) * (box[3] - box[1]);
  return overlap / (area(a) + area(b) - overlap);
}

/** The best class and its score per anchor. */
function bestClasses(output: Float32Array): { score: number; classIndex: number }[] {
  return Array.from({ length: ANCHORS }, (_, i) => {
    let best = { score: -1, classIndex: -1 };
    for (let c = 0; c < 80; c++) {
      const score = output[(4 + c) * ANCHORS + i];
      if (score > best.score) best = { score, classIndex: c };
    }
    return best;
  });
}

describe('planQuantization on a YOLOv8 / YOLO11 export', () => {
  it('keeps the Detect box and class convs, the DFL and the decoding in float, and quantizes the backbone and neck', () => {
    const model = yolov8n();
    const plan = planQuantization(model.graph);
    const outputOf = (name: string) => model.graph.node.find((node) => node.name === name)!.output[0];
    expect(plan.floatConvs.map(({ node, reason }) => [outputOf(node), reason])).toEqual([
      [expect.any(String), 'reads the graph input'],
      ...[8, 16, 32].flatMap((stride) => [
        [`detect_box_stride${stride}`, 'detect head'],
        [`detect_class_stride${stride}`, 'detect head'],
      ]),
      [expect.any(String), 'detect head'], // the DFL's fixed Conv
    ]);
    const dfl = model.graph.node.find((node) => node.name === plan.floatConvs[7].node)!;
    expect(dfl.input[1]).toBe('dfl.conv.weight');
    // Nothing that feeds the Softmax over the DFL bins, or comes after it, is quantized.
    const quantizedOps = model.graph.node.filter((node) => plan.quantizedNodes.has(node.name));
    const softmax = model.graph.node.findIndex((node) => node.opType === 'Softmax');
    const boxConcat = model.graph.node.findIndex((node, index) => index < softmax && node.opType === 'Concat' && node.input.length === 3 && node.input.every((input) => input.includes('Reshape')));
    expect(boxConcat).toBeGreaterThan(0);
    expect(plan.quantizedNodes.has(model.graph.node[boxConcat].name)).toBe(false);
    expect(quantizedOps.filter((node) => node.opType === 'Conv')).toHaveLength(56); // 64 Convs: stem, 6 Detect outputs and the DFL stay float
  });

  it("quantizes YOLO11's attention convs around its Softmax", () => {
    const model = decodeOnnxModel(makeUltralyticsModel({ model: 'yolo11n' }));
    nameUnnamedNodes(model.graph);
    const plan = planQuantization(model.graph);
    expect(plan.floatConvs.filter(({ reason }) => reason === 'detect head')).toHaveLength(7);
    const attentionSoftmax = model.graph.node.find((node) => node.opType === 'Softmax' && node.input[0].startsWith('Mul'))!;
    const scores = model.graph.node.find((node) => node.output.includes(attentionSoftmax.input[0]))!;
    const qkvConv = model.graph.node.filter((node) => node.opType === 'Conv').find((node) => node.output[0] === model.graph.node.find((n) => n.opType === 'Reshape' && n.input[1].startsWith('attention_heads'))!.input[0])!;
    expect(plan.quantizedNodes.has(qkvConv.name)).toBe(true);
    expect(plan.quantizedNodes.has(scores.name)).toBe(false); // scaled q·k stays float into the Softmax
  });
});

describe('QDQ YOLOv8n against its float model (generated weights, coco128 photos at 320x320)', () => {
  jest.setTimeout(240_000);

  it('agrees on the raw output: boxes within a pixel on average, class logits within 0.05, the same best boxes', async () => {
    const float = yolov8n();
    const plan = planQuantization(float.graph);
    const photos = readdirSync(PHOTOS).sort().map((name) => join(PHOTOS, name));
    const calibration = await ort.InferenceSession.create(encodeOnnxModel(withTensorsAsOutputs(float, plan.activations)), {
      intraOpNumThreads: 1,
      graphOptimizationLevel: 'basic',
    });
    const collector = new ActivationRangeCollector();
    for (const photo of photos.slice(0, 2)) {
      const outputs = await calibration.run({ images: await photoTensor(photo) }, plan.activations);
      for (const name of plan.activations) collector.add(name, outputs[name].data as Float32Array);
    }
    await calibration.release();
    const ranges = new Map(plan.activations.map((name) => [name, collector.range(name, DEFAULT_PERCENTILE)]));
    const int8 = quantizeModel(yolov8n(), plan, ranges, { calibration: { method: 'percentile', percentile: DEFAULT_PERCENTILE, images: 2 } });
    expect(int8.graph.node.filter((node) => node.opType === 'QuantizeLinear').length).toBeGreaterThan(100);

    const [floatSession, int8Session] = await Promise.all([float, int8].map((model) => ort.InferenceSession.create(encodeOnnxModel(model), { intraOpNumThreads: 1 })));
    const logit = (p: number) => log(p / (1 - p));
    for (const photo of photos.slice(10, 12)) {
      const images = await photoTensor(photo);
      const expected = (await floatSession.run({ images })).output0.data as Float32Array;
      const actual = (await int8Session.run({ images })).output0.data as Float32Array;
      expect(actual).not.toEqual(expected); // the INT8 kernels really ran

      let boxError = 0;
      for (let i = 0; i < 4 * ANCHORS; i++) boxError += abs(actual[i] - expected[i]);
      let logitError = 0;
      for (let i = 4 * ANCHORS; i < 84 * ANCHORS; i++) logitError += abs(logit(actual[i]) - logit(expected[i]));
      expect(boxError / (4 * ANCHORS)).toBeLessThan(1);
      expect(logitError / (80 * ANCHORS)).toBeLessThan(0.05);

      // The 100 anchors the float model scores highest: the INT8 model draws nearly the same box, of the same class.
      const [floatBest, int8Best] = [bestClasses(expected), bestClasses(actual)];
      const top = floatBest.map((best, i) => ({ ...best, i })).sort((a, b) => b.score - a.score).slice(0, 100);
      const ious = top.map(({ i }) => iou(corners(expected, i), corners(actual, i)));
      expect(min(...ious)).toBeGreaterThan(0.9);
      expect(top.filter(({ i, classIndex }) => int8Best[i].classIndex === classIndex).length).toBeGreaterThanOrEqual(90);
    }
    await Promise.all([floatSession.release(), int8Session.release()]);
  });
});
