import { Attr, decodeOnnxModel, mulberry32, OnnxDataType, OnnxGraphBuilder, OnnxModel, uniformArray } from '@app/onnx-writer';

/** Names of the tensors and nodes of `smallDetector`, so specs can point at them. */
export const SMALL_DETECTOR = {
  input: 'images',
  output: 'output0',
  stemConv: 'Conv_0',
  bodyConv: 'Conv_1',
  neckConv: 'Conv_2',
  headConv: 'Conv_3',
  size: 32,
} as const;

/**
 * A YOLOv5-shaped miniature for the quantizer's specs: a stem Conv on the image, SiLU (Sigmoid + Mul) after each
 * Conv, MaxPool and Concat (as in SPPF), a residual Add, a nearest Resize, and a "detect" Conv whose output is
 * decoded by a final Sigmoid. Seeded weights, input [1,3,32,32] → output [1,6,64,64].
 */
export function smallDetector(opsetVersion = 17): OnnxModel {
  const graph = new OnnxGraphBuilder({ opsetVersion, irVersion: 7 });
  const random = mulberry32(11);
  const { size } = SMALL_DETECTOR;
  const conv = (input: string, inChannels: number, outChannels: number, kernel: number, name: string) => {
    const fanIn = inChannels * kernel * kernel;
    const weight = graph.addFloatInitializer(`${name}.weight`, [outChannels, inChannels, kernel, kernel], uniformArray(outChannels * fanIn, Math.sqrt(3 / fanIn), random));
    const bias = graph.addFloatInitializer(`${name}.bias`, [outChannels], uniformArray(outChannels, 0.5, random));
    const pad = (kernel - 1) / 2;
    return graph.addNode('Conv', [input, weight, bias], { kernel_shape: Attr.ints([kernel, kernel]), pads: Attr.ints([pad, pad, pad, pad]) });
  };
  const silu = (x: string) => graph.addNode('Mul', [x, graph.addNode('Sigmoid', [x])]);

  const image = graph.addInput(SMALL_DETECTOR.input, OnnxDataType.FLOAT, [1, 3, size, size]);
  const stem = silu(conv(image, 3, 8, 3, 'stem'));
  const body = silu(conv(stem, 8, 8, 3, 'body'));
  const pooled = graph.addNode('MaxPool', [body], { kernel_shape: Attr.ints([5, 5]), strides: Attr.ints([1, 1]), pads: Attr.ints([2, 2, 2, 2]) });
  const joined = graph.addNode('Concat', [body, pooled], { axis: Attr.int(1) });
  const neck = graph.addNode('Add', [silu(conv(joined, 16, 8, 1, 'neck')), stem]);
  const upsampled = graph.addNode('Resize', [neck, graph.addFloatConstant('roi', [], [0]), graph.addFloatConstant('scales', [1, 1, 2, 2])], {
    mode: Attr.string('nearest'),
    coordinate_transformation_mode: Attr.string('asymmetric'),
    nearest_mode: Attr.string('floor'),
  });
  graph.addNode('Sigmoid', [conv(upsampled, 8, 6, 1, 'head')], {}, SMALL_DETECTOR.output);
  graph.addOutput(SMALL_DETECTOR.output, OnnxDataType.FLOAT, [1, 6, 2 * size, 2 * size]);
  graph.setMetadata('names', "{0: 'a'}");
  graph.setMetadata('stride', '32');
  return decodeOnnxModel(graph.toBytes());
}

/** A smooth image-like input in 0..1; `phase` varies it. */
export function smoothImage(size: number, phase: number): Float32Array {
  const data = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) data[(c * size + y) * size + x] = 0.5 + 0.45 * Math.sin((x + 2 * y + phase) / (3 + c)) * Math.cos((y - phase) / 7);
    }
  }
  return data;
}
