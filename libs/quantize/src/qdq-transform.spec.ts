import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeOnnxModel, encodeOnnxModel, OnnxDataType, OnnxModel, OnnxTensor } from '@app/onnx-writer';
import { ActivationRangeCollector, ValueRange } from './activation-ranges';
import { withTensorsAsOutputs } from './calibration-outputs';
import { floatValues } from '@app/onnx-writer/onnx-proto';
import { QUANTIZATION_METADATA_KEY, quantizeBias, quantizeModel, quantizeWeightsPerChannel, uint8Parameters } from './qdq-transform';
import { nameUnnamedNodes, planQuantization, QuantizationPlan } from './quantization-plan';
import { SMALL_DETECTOR, smallDetector, smoothImage } from './test-graphs';

const { size } = SMALL_DETECTOR;
const inputTensor = (phase: number) => new ort.Tensor('float32', smoothImage(size, phase), [1, 3, size, size]);

async function run(model: OnnxModel, phase: number, outputs?: string[]): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(encodeOnnxModel(model), { intraOpNumThreads: 1 });
  try {
    const feeds = { [SMALL_DETECTOR.input]: inputTensor(phase) };
    return await (outputs ? session.run(feeds, outputs) : session.run(feeds));
  } finally {
    await session.release();
  }
}

/** Calibrates the planned activations of the float model on a few inputs, as the CLI does with photos. */
async function calibrate(model: OnnxModel, plan: QuantizationPlan, phases: number[]): Promise<Map<string, ValueRange>> {
  const collector = new ActivationRangeCollector();
  for (const phase of phases) {
    const outputs = await run(withTensorsAsOutputs(model, plan.activations), phase, plan.activations);
    for (const name of plan.activations) collector.add(name, outputs[name].data as Float32Array);
  }
  return new Map(plan.activations.map((name) => [name, collector.range(name, 100)]));
}

async function quantizedSmallDetector() {
  const float = smallDetector(12); // as YOLOv5 v7.0 exports: per-channel DequantizeLinear needs 13
  const plan = planQuantization(float.graph);
  const ranges = await calibrate(float, plan, [0, 5, 10, 15]);
  const quantized = quantizeModel(smallDetector(12), plan, ranges, { calibration: { method: 'percentile', percentile: 100, images: 4 } });
  return { float, plan, ranges, quantized };
}

const initializer = (model: OnnxModel, name: string): OnnxTensor => model.graph.initializer.find((tensor) => tensor.name === name)!;
const producer = (model: OnnxModel, tensor: string) => model.graph.node.find((node) => node.output.includes(tensor));

describe('quantizeModel on a small YOLOv5-shaped graph', () => {
  let setup: Awaited<ReturnType<typeof quantizedSmallDetector>>;
  beforeAll(async () => {
    setup = await quantizedSmallDetector();
  });

  it('puts QuantizeLinear → DequantizeLinear after every planned activation and feeds its consumers the dequantized copy', () => {
    const { quantized, plan } = setup;
    for (const tensor of plan.activations) {
      const quantize = quantized.graph.node.find((node) => node.opType === 'QuantizeLinear' && node.input[0] === tensor)!;
      const dequantize = quantized.graph.node.find((node) => node.opType === 'DequantizeLinear' && node.input[0] === quantize.output[0])!;
      expect(dequantize.input.slice(1)).toEqual(quantize.input.slice(1));
      const consumers = quantized.graph.node.filter((node) => node.input.includes(tensor));
      expect(consumers).toEqual([quantize]);
      expect(initializer(quantized, quantize.input[2]).dataType).toBe(OnnxDataType.UINT8);
    }
  });

  it('quantizes Conv weights to int8 per output channel (axis 0, zero point 0) and the bias to int32 at input scale × weight scale', () => {
    const { quantized, float } = setup;
    const conv = quantized.graph.node.find((node) => node.name === SMALL_DETECTOR.bodyConv)!;
    const [weightDq, biasDq] = [conv.input[1], conv.input[2]].map((input) => producer(quantized, input)!);
    for (const dq of [weightDq, biasDq]) {
      expect(dq.opType).toBe('DequantizeLinear');
      expect(dq.attribute).toEqual([expect.objectContaining({ name: 'axis', i: 0 })]);
    }
    const [weights, weightScale, weightZero] = weightDq.input.map((name) => initializer(quantized, name));
    expect(weights.dataType).toBe(OnnxDataType.INT8);
    expect(weights.dims).toEqual([8, 8, 3, 3]);
    expect(weightScale.dims).toEqual([8]);
    expect(weightZero.dataType).toBe(OnnxDataType.INT8);
    expect([...new Int8Array(Uint8Array.from(weightZero.rawData!).buffer)]).toEqual(new Array(8).fill(0));

    const [bias, biasScale, biasZero] = biasDq.input.map((name) => initializer(quantized, name));
    expect(bias.dataType).toBe(OnnxDataType.INT32);
    expect(biasZero.dataType).toBe(OnnxDataType.INT32);
    const inputDq = producer(quantized, conv.input[0])!;
    const inputScale = floatValues(initializer(quantized, inputDq.input[1]))[0];
    const weightScales = floatValues(weightScale);
    const biasScales = floatValues(biasScale);
    weightScales.forEach((scale, c) => expect(biasScales[c]).toBeCloseTo(inputScale * scale, 10));
    const biasValues = new Int32Array(Uint8Array.from(bias.rawData!).buffer);
    const floatBias = floatValues(initializer(float, 'body.bias'));
    biasValues.forEach((value, c) => expect(Math.abs(value * biasScales[c] - floatBias[c])).toBeLessThanOrEqual(biasScales[c] / 2 + 1e-7));
  });

  it('leaves the float parts alone: the stem and head Convs keep their float weights, the final Sigmoid its input', () => {
    const { quantized } = setup;
    for (const name of [SMALL_DETECTOR.stemConv, SMALL_DETECTOR.headConv]) {
      const conv = quantized.graph.node.find((node) => node.name === name)!;
      expect(initializer(quantized, conv.input[1]).dataType).toBe(OnnxDataType.FLOAT);
      expect(initializer(quantized, conv.input[2]).dataType).toBe(OnnxDataType.FLOAT);
    }
    expect(quantized.graph.node.find((node) => node.name === SMALL_DETECTOR.stemConv)!.input[0]).toBe(SMALL_DETECTOR.input);
    const decode = producer(quantized, SMALL_DETECTOR.output)!;
    expect(decode.opType).toBe('Sigmoid');
    expect(producer(quantized, decode.input[0])!.name).toBe(SMALL_DETECTOR.headConv);
    expect(quantized.graph.input).toEqual(setup.float.graph.input);
    expect(quantized.graph.output).toEqual(setup.float.graph.output);
  });

  it('uses the same scale and zero point on both sides of MaxPool and Resize', () => {
    const { quantized } = setup;
    for (const op of ['MaxPool', 'Resize']) {
      const node = quantized.graph.node.find((candidate) => candidate.opType === op)!;
      const before = producer(quantized, node.input[0])!;
      const after = quantized.graph.node.find((candidate) => candidate.opType === 'QuantizeLinear' && candidate.input[0] === node.output[0])!;
      const parameters = (names: string[]) => [floatValues(initializer(quantized, names[1]))[0], initializer(quantized, names[2]).rawData![0]];
      expect(parameters(after.input)).toEqual(parameters(before.input));
    }
  });

  it('keeps the metadata, records the settings, and raises opset 12 to 13', () => {
    const { quantized } = setup;
    const metadata = Object.fromEntries(quantized.metadataProps.map(({ key, value }) => [key, value]));
    expect(metadata.names).toBe("{0: 'a'}");
    expect(metadata.stride).toBe('32');
    expect(JSON.parse(metadata[QUANTIZATION_METADATA_KEY])).toMatchObject({
      format: 'QDQ',
      calibration: { method: 'percentile', percentile: 100, images: 4 },
      floatConvs: [`${SMALL_DETECTOR.stemConv} (reads the graph input)`, `${SMALL_DETECTOR.headConv} (detect head)`],
    });
    expect(quantized.opsetImport.map((entry) => entry.version)).toEqual([13]);
  });

  it('drops the float weights of quantized Convs from the file', () => {
    const names = setup.quantized.graph.initializer.map((tensor) => tensor.name);
    expect(names).not.toContain('body.weight');
    expect(names).not.toContain('neck.bias');
    expect(names).toContain('head.weight');
  });

  it('answers within 0.03 of FP32 (outputs are sigmoids in 0..1) on inputs it was not calibrated on', async () => {
    for (const phase of [2.5, 7.5]) {
      const expected = (await run(setup.float, phase))[SMALL_DETECTOR.output].data as Float32Array;
      const actual = (await run(setup.quantized, phase))[SMALL_DETECTOR.output].data as Float32Array;
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
      expect(worst).toBeGreaterThan(0); // it really ran in INT8
      expect(worst).toBeLessThan(0.03);
    }
  });

  it("is fused by ONNX Runtime into its integer kernels (QLinearConv, QLinearSigmoid, QLinearMul, QLinearAdd)", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'quantize-spec-'));
    try {
      const optimized = join(directory, 'optimized.onnx');
      const session = await ort.InferenceSession.create(encodeOnnxModel(setup.quantized), { graphOptimizationLevel: 'extended', optimizedModelFilePath: optimized });
      await session.release();
      const ops = decodeOnnxModel(readFileSync(optimized)).graph.node.map((node) => node.opType);
      const count = (op: string) => ops.filter((candidate) => candidate === op).length;
      expect(count('QLinearConv')).toBe(2);
      // Only the stem Conv's output is quantized, and only the head Conv's input dequantized, in float kernels.
      expect(count('QuantizeLinear')).toBe(1);
      expect(count('DequantizeLinear')).toBe(1);
      expect(count('QLinearSigmoid')).toBe(3);
      expect(count('QLinearMul')).toBe(3);
      expect(count('QLinearAdd')).toBe(1);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('quantizeModel with each SiLU in float', () => {
  it('is fused into QLinearConv around float Sigmoid and Mul, and answers within 0.03 of FP32', async () => {
    const float = smallDetector(12);
    const plan = planQuantization(float.graph, { siluInFloat: true });
    const quantized = quantizeModel(smallDetector(12), plan, await calibrate(float, plan, [0, 5, 10, 15]), { calibration: {} });
    const directory = mkdtempSync(join(tmpdir(), 'quantize-spec-'));
    try {
      const optimized = join(directory, 'optimized.onnx');
      const session = await ort.InferenceSession.create(encodeOnnxModel(quantized), { graphOptimizationLevel: 'extended', optimizedModelFilePath: optimized });
      await session.release();
      const ops = decodeOnnxModel(readFileSync(optimized)).graph.node.map((node) => node.opType);
      expect(ops.filter((op) => op === 'QLinearConv')).toHaveLength(2);
      expect(ops).not.toContain('QLinearSigmoid');
      expect(ops).not.toContain('QLinearMul');
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    const expected = (await run(float, 2.5))[SMALL_DETECTOR.output].data as Float32Array;
    const actual = (await run(quantized, 2.5))[SMALL_DETECTOR.output].data as Float32Array;
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(0.03);
  });
});

describe('quantizeModel with the Conv on the image quantized too', () => {
  it('quantizes the graph input right at the start and still runs', async () => {
    const float = smallDetector(12);
    const plan = planQuantization(float.graph, { keepInputConvFloat: false });
    const quantized = quantizeModel(smallDetector(12), plan, await calibrate(float, plan, [0, 5]), { calibration: {} });
    expect(quantized.graph.node[0]).toMatchObject({ opType: 'QuantizeLinear', input: [SMALL_DETECTOR.input, expect.any(String), expect.any(String)] });
    const output = (await run(quantized, 2.5))[SMALL_DETECTOR.output].data as Float32Array;
    expect(output.length).toBe(6 * 64 * 64);
  });
});

describe('quantization arithmetic', () => {
  it('uint8 parameters cover the range, always with 0 exactly representable', () => {
    expect(uint8Parameters({ min: -1, max: 2 })).toEqual({ scale: 3 / 255, zeroPoint: 85 });
    expect(uint8Parameters({ min: 0.5, max: 2 })).toEqual({ scale: 2 / 255, zeroPoint: 0 });
    expect(uint8Parameters({ min: 0, max: 0 })).toEqual({ scale: 1, zeroPoint: 0 });
  });

  it('per-channel weights: each channel scaled by its own largest magnitude to ±127', () => {
    const { values, scales } = quantizeWeightsPerChannel(Float32Array.of(0.5, -1, 0.25, 10, -4, 0), 2);
    expect([...scales]).toEqual([Math.fround(1 / 127), Math.fround(10 / 127)]);
    expect([...values]).toEqual([64, -127, 32, 127, -51, 0]);
    expect([...quantizeWeightsPerChannel(new Float32Array(4), 2).scales]).toEqual([1, 1]); // an all-zero channel
  });

  it('int32 bias at input scale × weight scale, clamped to the int32 range', () => {
    const { values, scales } = quantizeBias(Float32Array.of(1, -3, 1e12), 0.5, Float32Array.of(0.01, 0.02, 0.01));
    expect([...scales]).toEqual([0.005, 0.01, 0.005].map(Math.fround));
    expect([...values]).toEqual([200, -300, 2 ** 31 - 1]);
  });
});

describe('nameUnnamedNodes', () => {
  it('names nodes that have none, without clashing with existing names', () => {
    const model = smallDetector();
    model.graph.node[0].name = '';
    model.graph.node[1].name = 'Conv_0';
    nameUnnamedNodes(model.graph);
    const names = model.graph.node.map((node) => node.name);
    expect(names.every(Boolean)).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    expect(planQuantization(model.graph).quantizedNodes.size).toBeGreaterThan(0);
  });
});
