import { planQuantization, siluNodes } from './quantization-plan';
import { SMALL_DETECTOR, smallDetector } from './test-graphs';

describe('planQuantization', () => {
  const model = smallDetector();
  const nodeOutput = (name: string) => model.graph.node.find((node) => node.name === name)!.output[0];

  it('keeps the Conv on the image and the last Conv (detect head) with what follows it in float', () => {
    const plan = planQuantization(model.graph);
    expect(plan.floatConvs).toEqual([
      { node: SMALL_DETECTOR.stemConv, reason: 'reads the graph input' },
      { node: SMALL_DETECTOR.headConv, reason: 'detect head' },
    ]);
    const decode = model.graph.node.find((node) => node.output.includes(SMALL_DETECTOR.output))!;
    expect(plan.quantizedNodes.has(decode.name)).toBe(false);
  });

  it("quantizes the Convs between them and every SiLU, MaxPool, Concat, Add and Resize on the way", () => {
    const plan = planQuantization(model.graph);
    const quantizedOps = model.graph.node.filter((node) => plan.quantizedNodes.has(node.name)).map((node) => node.opType);
    expect(quantizedOps).toEqual(['Sigmoid', 'Mul', 'Conv', 'Sigmoid', 'Mul', 'MaxPool', 'Concat', 'Conv', 'Sigmoid', 'Mul', 'Add', 'Resize']);
  });

  it('gives Q/DQ to every float input and output of a quantized node, never to the graph input or output', () => {
    const plan = planQuantization(model.graph);
    expect(plan.activations).toContain(nodeOutput(SMALL_DETECTOR.stemConv)); // float producer, quantized consumers
    expect(plan.activations).not.toContain(SMALL_DETECTOR.input);
    expect(plan.activations).not.toContain(SMALL_DETECTOR.output);
    expect(plan.activations).not.toContain(nodeOutput(SMALL_DETECTOR.headConv));
    expect(plan.activations).not.toContain('body.weight');
  });

  it('makes MaxPool, Resize and Concat share one scale across their inputs and output', () => {
    const plan = planQuantization(model.graph);
    const node = (op: string) => model.graph.node.find((candidate) => candidate.opType === op)!;
    const pool = node('MaxPool');
    const concat = node('Concat');
    const resize = node('Resize');
    expect(plan.scaleGroups.get(pool.input[0])).toEqual(expect.arrayContaining([pool.input[0], pool.output[0], concat.output[0]]));
    expect(plan.scaleGroups.get(resize.output[0])).toEqual(expect.arrayContaining([resize.input[0], resize.output[0]]));
    // An Add's inputs and output keep their own scales (QLinearAdd rescales).
    const add = node('Add');
    expect(plan.scaleGroups.get(add.output[0])).not.toContain(add.input[0]);

    const unshared = planQuantization(model.graph, { shareConcatScales: false });
    expect(unshared.scaleGroups.get(concat.output[0])).toEqual([concat.output[0]]);
  });

  it('can leave each SiLU (Sigmoid and Mul) in float, with the QDQ pairs only on the Conv outputs and what the SiLU feeds', () => {
    const plan = planQuantization(model.graph, { siluInFloat: true });
    const quantizedOps = model.graph.node.filter((node) => plan.quantizedNodes.has(node.name)).map((node) => node.opType);
    expect(quantizedOps).toEqual(['Conv', 'MaxPool', 'Concat', 'Conv', 'Add', 'Resize']);
    const body = model.graph.node.find((node) => node.name === SMALL_DETECTOR.bodyConv)!;
    const sigmoid = model.graph.node.find((node) => node.opType === 'Sigmoid' && node.input[0] === body.output[0])!;
    const mul = model.graph.node.find((node) => node.opType === 'Mul' && node.input.includes(sigmoid.output[0]))!;
    expect(plan.activations).toContain(body.output[0]);
    expect(plan.activations).not.toContain(sigmoid.output[0]);
    expect(plan.activations).toContain(mul.output[0]);
    // The head's own Sigmoid decodes and is no SiLU: it stays float either way.
    expect(siluNodes(model.graph.node).size).toBe(6);
  });

  it('can quantize the Conv on the image too', () => {
    const plan = planQuantization(model.graph, { keepInputConvFloat: false });
    expect(plan.quantizedNodes.has(SMALL_DETECTOR.stemConv)).toBe(true);
    expect(plan.activations).toContain(SMALL_DETECTOR.input);
  });
});
