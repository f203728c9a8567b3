import { costCounter, FeatureShape, ModelCost } from './model-cost';

/**
 * The Ultralytics YOLOv8 (yolov8.yaml) and YOLO11 (yolo11.yaml) detection networks described once, independent of
 * what is done with them: the same description drives the parameter/FLOPs count and the ONNX graph. Convolutions are
 * the fused form of the export (BatchNorm folded in, so every conv has a bias) followed by SiLU unless noted.
 */

export const YOLOV8_MODELS = ['yolov8n', 'yolov8s', 'yolov8m', 'yolov8l'] as const;
export type Yolov8Model = (typeof YOLOV8_MODELS)[number];
export const YOLO11_MODELS = ['yolo11n', 'yolo11s', 'yolo11m', 'yolo11l'] as const;
export const ULTRALYTICS_MODELS = [...YOLOV8_MODELS, ...YOLO11_MODELS] as const;
export type UltralyticsModel = (typeof ULTRALYTICS_MODELS)[number];

export interface UltralyticsScale {
  family: 'yolov8' | 'yolo11';
  /** depth, width and max_channels of the yaml's `scales` entry. */
  depth: number;
  width: number;
  maxChannels: number;
}

export const ULTRALYTICS_SCALES: Record<UltralyticsModel, UltralyticsScale> = {
  yolov8n: { family: 'yolov8', depth: 0.33, width: 0.25, maxChannels: 1024 },
  yolov8s: { family: 'yolov8', depth: 0.33, width: 0.5, maxChannels: 1024 },
  yolov8m: { family: 'yolov8', depth: 0.67, width: 0.75, maxChannels: 768 },
  yolov8l: { family: 'yolov8', depth: 1.0, width: 1.0, maxChannels: 512 },
  yolo11n: { family: 'yolo11', depth: 0.5, width: 0.25, maxChannels: 1024 },
  yolo11s: { family: 'yolo11', depth: 0.5, width: 0.5, maxChannels: 1024 },
  yolo11m: { family: 'yolo11', depth: 0.5, width: 1.0, maxChannels: 512 },
  yolo11l: { family: 'yolo11', depth: 1.0, width: 1.0, maxChannels: 512 },
};

export const ULTRALYTICS_STRIDES = [8, 16, 32] as const;
export const ULTRALYTICS_CLASS_COUNT = 80;
/** reg_max: each box side is predicted as a distribution over this many distance bins (DFL). */
export const DFL_BINS = 16;
/** Output rows of the export: cx, cy, w, h, then one sigmoid score per class (no objectness). */
export const ULTRALYTICS_ROW_LENGTH = 4 + ULTRALYTICS_CLASS_COUNT;

/** Anchor points for an input size: one per cell of the stride 8, 16 and 32 maps (8400 at 640x640). */
export function anchorPointCount(height: number, width: number): number {
  return ULTRALYTICS_STRIDES.reduce((sum, stride) => sum + (height / stride) * (width / stride), 0);
}

export interface UltralyticsConvSpec {
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  /** Depthwise convs (DWConv, the attention's positional conv) have groups = channels. */
  groups: number;
  /** False for convs without SiLU: the Detect outputs and some attention/FFN convs. */
  activation: boolean;
  /** Set on the last Detect convs: which prediction and which level (0 for stride 8). */
  detect?: { branch: 'box' | 'class'; level: number };
}

export interface AttentionSpec {
  heads: number;
  keyDim: number;
  headDim: number;
}

/** What the architecture needs from whoever walks it (a counter, a graph builder). */
export interface UltralyticsOps<T> {
  channels(x: T): number;
  conv(x: T, spec: UltralyticsConvSpec): T;
  add(a: T, b: T): T;
  concat(xs: readonly T[]): T;
  /** Splits along the channels into parts of the given sizes (torch's chunk/split, ONNX Split). */
  split(x: T, sizes: readonly number[]): T[];
  maxPool5(x: T): T;
  upsample2x(x: T): T;
  /**
   * The core of YOLO11's Attention: `qkv` viewed as [b, heads, 2*keyDim + headDim, h*w] and split into q, k, v;
   * returns v @ softmax(qᵀk * keyDim^-0.5)ᵀ and v itself, both shaped like `input` ([b, heads*headDim, h, w]).
   */
  attention(input: T, qkv: T, spec: AttentionSpec): { attended: T; values: T };
}

/** The two Detect outputs of one level: 4 * DFL_BINS box logits and 80 class logits per cell. */
export interface DetectLevel<T> {
  box: T;
  classes: T;
}

/** Walks the network from the image and returns the Detect outputs of the strides 8, 16, 32. */
export function walkUltralytics<T>(model: UltralyticsModel, ops: UltralyticsOps<T>, image: T): DetectLevel<T>[] {
  const { family, depth, width, maxChannels } = ULTRALYTICS_SCALES[model];
  const ch = (c: number) => Math.ceil((Math.min(c, maxChannels) * width) / 8) * 8; // make_divisible(min(c, max) * w, 8)
  const n = (repeats: number) => Math.max(Math.round(repeats * depth), 1);
  const yolo11 = family === 'yolo11';
  // parse_model turns on C3k blocks inside C3k2 for the larger scales.
  const largeScale = /[mlx]$/.test(model);

  const conv = (x: T, outChannels: number, kernel = 1, stride = 1, groups = 1, activation = true) =>
    ops.conv(x, { outChannels, kernel, stride, padding: Math.floor(kernel / 2), groups, activation });
  const bottleneck = (x: T, outChannels: number, shortcut: boolean, expansion: number) => {
    const y = conv(conv(x, Math.floor(outChannels * expansion), 3), outChannels, 3);
    return shortcut && ops.channels(x) === outChannels ? ops.add(x, y) : y;
  };
  const c3k = (x: T, outChannels: number, repeats: number) => {
    const hidden = Math.floor(outChannels / 2);
    let m = conv(x, hidden);
    for (let i = 0; i < repeats; i++) m = bottleneck(m, hidden, true, 1);
    return conv(ops.concat([m, conv(x, hidden)]), outChannels);
  };
  /** C2f (YOLOv8) and C3k2 (YOLO11, which swaps C2f's bottlenecks for smaller ones or for C3k blocks). */
  const c2f = (x: T, outChannels: number, repeats: number, shortcut: boolean, expansion = 0.5, useC3k = false) => {
    const hidden = Math.floor(outChannels * expansion);
    const parts = ops.split(conv(x, 2 * hidden), [hidden, hidden]);
    for (let i = 0; i < repeats; i++) {
      const last = parts[parts.length - 1];
      if (!yolo11) parts.push(bottleneck(last, hidden, shortcut, 1));
      else parts.push(useC3k ? c3k(last, hidden, 2) : bottleneck(last, hidden, shortcut, 0.5));
    }
    return conv(ops.concat(parts), outChannels);
  };
  const sppf = (x: T, outChannels: number) => {
    const reduced = conv(x, Math.floor(ops.channels(x) / 2));
    const p1 = ops.maxPool5(reduced);
    const p2 = ops.maxPool5(p1);
    const p3 = ops.maxPool5(p2);
    return conv(ops.concat([reduced, p1, p2, p3]), outChannels);
  };
  const c2psa = (x: T, repeats: number) => {
    const channels = ops.channels(x);
    const hidden = Math.floor(channels / 2);
    const [a, b] = ops.split(conv(x, 2 * hidden), [hidden, hidden]);
    let m = b;
    for (let i = 0; i < repeats; i++) m = psaBlock(m);
    return conv(ops.concat([a, m]), channels);
  };
  const psaBlock = (x: T) => {
    const channels = ops.channels(x);
    const heads = Math.floor(channels / 64);
    const headDim = Math.floor(channels / heads);
    const keyDim = Math.floor(headDim * 0.5);
    const qkv = conv(x, channels + 2 * keyDim * heads, 1, 1, 1, false);
    const { attended, values } = ops.attention(x, qkv, { heads, keyDim, headDim });
    const positional = conv(values, channels, 3, 1, channels, false);
    const attention = ops.add(x, conv(ops.add(attended, positional), channels, 1, 1, 1, false));
    return ops.add(attention, conv(conv(attention, 2 * channels), channels, 1, 1, 1, false));
  };
  const block = (x: T, outChannels: number, repeats: number, shortcut: boolean, c3kExpansion?: number, forceC3k = false) =>
    yolo11 ? c2f(x, outChannels, repeats, true, c3kExpansion ?? 0.5, forceC3k || largeScale) : c2f(x, outChannels, repeats, shortcut);

  // Backbone (yolov8.yaml / yolo11.yaml layers 0-9, and YOLO11's C2PSA as layer 10)
  const b1 = conv(conv(image, ch(64), 3, 2), ch(128), 3, 2);
  const b2 = yolo11 ? block(b1, ch(256), n(2), true, 0.25) : block(b1, ch(128), n(3), true);
  const p3 = yolo11 ? block(conv(b2, ch(256), 3, 2), ch(512), n(2), true, 0.25) : block(conv(b2, ch(256), 3, 2), ch(256), n(6), true);
  const p4 = yolo11 ? block(conv(p3, ch(512), 3, 2), ch(512), n(2), true, 0.5, true) : block(conv(p3, ch(512), 3, 2), ch(512), n(6), true);
  const b8 = yolo11 ? block(conv(p4, ch(1024), 3, 2), ch(1024), n(2), true, 0.5, true) : block(conv(p4, ch(1024), 3, 2), ch(1024), n(3), true);
  const p5 = yolo11 ? c2psa(sppf(b8, ch(1024)), n(2)) : sppf(b8, ch(1024));
  // Head (PAN): top-down, then bottom-up
  const repeats = n(yolo11 ? 2 : 3);
  const h12 = block(ops.concat([ops.upsample2x(p5), p4]), ch(512), repeats, false);
  const out3 = block(ops.concat([ops.upsample2x(h12), p3]), ch(256), repeats, false);
  const out4 = block(ops.concat([conv(out3, ch(256), 3, 2), h12]), ch(512), repeats, false);
  const out5 = block(ops.concat([conv(out4, ch(512), 3, 2), p5]), ch(1024), repeats, false, undefined, true);

  // Detect: per level, a box branch (cv2) and a class branch (cv3); YOLO11's class branch uses depthwise convs.
  const levels = [out3, out4, out5];
  const first = ops.channels(out3);
  const boxHidden = Math.max(16, Math.floor(first / 4), 4 * DFL_BINS);
  const classHidden = Math.max(first, Math.min(ULTRALYTICS_CLASS_COUNT, 100));
  const head = (x: T, outChannels: number, branch: 'box' | 'class', level: number) =>
    ops.conv(x, { outChannels, kernel: 1, stride: 1, padding: 0, groups: 1, activation: false, detect: { branch, level } });
  return levels.map((x, level) => {
    const box = head(conv(conv(x, boxHidden, 3), boxHidden, 3), 4 * DFL_BINS, 'box', level);
    const classFeatures = yolo11
      ? conv(conv(conv(conv(x, ops.channels(x), 3, 1, ops.channels(x)), classHidden), classHidden, 3, 1, classHidden), classHidden)
      : conv(conv(x, classHidden, 3), classHidden, 3);
    return { box, classes: head(classFeatures, ULTRALYTICS_CLASS_COUNT, 'class', level) };
  });
}

/**
 * Parameters and conv GFLOPs of a model, counted from the architecture without building it. The parameters include
 * the DFL's 16 fixed bin weights, as Ultralytics counts them.
 */
export function ultralyticsCost(model: UltralyticsModel, inputSize: { height: number; width: number } = { height: 640, width: 640 }): ModelCost {
  const counter = costCounter(DFL_BINS);
  const ops: UltralyticsOps<FeatureShape> = {
    ...counter,
    split: (x, sizes) => sizes.map((channels) => ({ ...x, channels })),
    attention: (input) => ({ attended: input, values: input }), // its matrix products are not convs: not counted, as in Ultralytics
  };
  walkUltralytics(model, ops, { channels: 3, ...inputSize });
  return counter.cost();
}
