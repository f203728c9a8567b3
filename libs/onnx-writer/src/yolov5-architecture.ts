import { costCounter, FeatureShape, ModelCost } from './model-cost';

/**
 * The YOLOv5 v6.0+/v7.0 network (yolov5s/m/l.yaml) described once, independent of what is done with it: the
 * same description drives the parameter/FLOPs count and the ONNX graph. Convolutions are the fused form of the
 * official export (BatchNorm folded into the conv, so every conv has a bias) followed by SiLU.
 */

export const YOLOV5_MODELS = ['yolov5s', 'yolov5m', 'yolov5l'] as const;
export type Yolov5Model = (typeof YOLOV5_MODELS)[number];

/** Every size of the family: yolov5n is counted (its real trained weights are in ../shared), not generated. */
export type Yolov5Scale = Yolov5Model | 'yolov5n';

/** depth_multiple and width_multiple of the official yaml files. */
export const YOLOV5_SCALES: Record<Yolov5Scale, { depth: number; width: number }> = {
  yolov5n: { depth: 0.33, width: 0.25 },
  yolov5s: { depth: 0.33, width: 0.5 },
  yolov5m: { depth: 0.67, width: 0.75 },
  yolov5l: { depth: 1.0, width: 1.0 },
};

export const YOLOV5_STRIDES = [8, 16, 32] as const;
/** The COCO anchors (width, height in input pixels), three per detection level. */
export const YOLOV5_ANCHORS: readonly (readonly [number, number])[][] = [
  [[10, 13], [16, 30], [33, 23]],
  [[30, 61], [62, 45], [59, 119]],
  [[116, 90], [156, 198], [373, 326]],
];
export const YOLOV5_CLASS_COUNT = 80;
/** Values per prediction row: cx, cy, w, h, objectness, then one score per class. */
export const YOLOV5_ROW_LENGTH = 5 + YOLOV5_CLASS_COUNT;

/** Output rows for an input size: one per anchor per cell of the stride 8, 16 and 32 maps (25200 at 640x640). */
export function yoloRowCount(height: number, width: number): number {
  return YOLOV5_STRIDES.reduce((sum, stride) => sum + YOLOV5_ANCHORS[0].length * (height / stride) * (width / stride), 0);
}

export interface ConvSpec {
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  /** False only for the Detect convs, whose raw outputs are decoded instead. */
  activation: boolean;
  /** Set on the Detect convs: the stride of the level they predict. */
  detectStride?: number;
}

/** What the architecture needs from whoever walks it (a counter, a graph builder). */
export interface Yolov5Ops<T> {
  channels(x: T): number;
  conv(x: T, spec: ConvSpec): T;
  add(a: T, b: T): T;
  concat(xs: readonly T[]): T;
  maxPool5(x: T): T;
  upsample2x(x: T): T;
}

/**
 * Walks the network from the image and returns the three Detect conv outputs (strides 8, 16, 32), each with
 * 3 * (5 + 80) channels in ultralytics order (anchor-major, then cx, cy, w, h, objectness, classes).
 */
export function walkYolov5<T>(model: Yolov5Scale, ops: Yolov5Ops<T>, image: T): T[] {
  const { depth, width } = YOLOV5_SCALES[model];
  const ch = (c: number) => Math.ceil((c * width) / 8) * 8; // make_divisible(c * width_multiple, 8)
  const n = (repeats: number) => Math.max(Math.round(repeats * depth), 1);

  const conv = (x: T, outChannels: number, kernel: number, stride: number, padding = Math.floor(kernel / 2)) =>
    ops.conv(x, { outChannels, kernel, stride, padding, activation: true });
  const c3 = (x: T, outChannels: number, repeats: number, shortcut: boolean) => {
    const hidden = Math.floor(outChannels / 2);
    let m = conv(x, hidden, 1, 1);
    for (let i = 0; i < repeats; i++) {
      const y = conv(conv(m, hidden, 1, 1), hidden, 3, 1);
      m = shortcut ? ops.add(m, y) : y;
    }
    return conv(ops.concat([m, conv(x, hidden, 1, 1)]), outChannels, 1, 1);
  };
  const sppf = (x: T, outChannels: number) => {
    const reduced = conv(x, Math.floor(ops.channels(x) / 2), 1, 1);
    const p1 = ops.maxPool5(reduced);
    const p2 = ops.maxPool5(p1);
    const p3 = ops.maxPool5(p2);
    return conv(ops.concat([reduced, p1, p2, p3]), outChannels, 1, 1);
  };

  // Backbone
  const b0 = conv(image, ch(64), 6, 2, 2);
  const b2 = c3(conv(b0, ch(128), 3, 2), ch(128), n(3), true);
  const p3 = c3(conv(b2, ch(256), 3, 2), ch(256), n(6), true);
  const p4 = c3(conv(p3, ch(512), 3, 2), ch(512), n(9), true);
  const p5 = sppf(c3(conv(p4, ch(1024), 3, 2), ch(1024), n(3), true), ch(1024));
  // Head (PANet)
  const h10 = conv(p5, ch(512), 1, 1);
  const h13 = c3(ops.concat([ops.upsample2x(h10), p4]), ch(512), n(3), false);
  const h14 = conv(h13, ch(256), 1, 1);
  const out3 = c3(ops.concat([ops.upsample2x(h14), p3]), ch(256), n(3), false);
  const out4 = c3(ops.concat([conv(out3, ch(256), 3, 2), h14]), ch(512), n(3), false);
  const out5 = c3(ops.concat([conv(out4, ch(512), 3, 2), h10]), ch(1024), n(3), false);
  // Detect convs
  const anchorsPerLevel = YOLOV5_ANCHORS[0].length;
  return [out3, out4, out5].map((x, level) =>
    ops.conv(x, {
      outChannels: anchorsPerLevel * YOLOV5_ROW_LENGTH,
      kernel: 1,
      stride: 1,
      padding: 0,
      activation: false,
      detectStride: YOLOV5_STRIDES[level],
    }),
  );
}

/** Parameters and conv GFLOPs of a model, counted from the architecture without building it. */
export function yolov5Cost(model: Yolov5Scale, inputSize: { height: number; width: number } = { height: 640, width: 640 }): ModelCost {
  const counter = costCounter();
  walkYolov5<FeatureShape>(model, counter, { channels: 3, ...inputSize });
  return counter.cost();
}
