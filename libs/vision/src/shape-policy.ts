import { readFile } from 'node:fs/promises';
import { decodeOnnxModel, encodeOnnxModel } from '@app/onnx-writer/onnx-proto';
import { makeYolov5ShapeFlexible } from '@app/onnx-writer/yolov5-shape-flexible';

/**
 * How a model's input is shaped: `rectangular` letterboxes each image into AutoShape's smallest stride-multiple
 * rectangle (the long side at the input size); `fixed` into the model's square.
 */
export const SHAPE_POLICIES = ['rectangular', 'fixed'] as const;
export type ShapePolicy = (typeof SHAPE_POLICIES)[number];

/** Why a model runs with its policy. */
export const SHAPE_POLICY_REASONS = ['dynamic-export', 'static-export-rewritten', 'pinned-by-config', 'graph-not-recognised'] as const;
export type ShapePolicyReason = (typeof SHAPE_POLICY_REASONS)[number];

export interface ShapePolicyDecision {
  policy: ShapePolicy;
  reason: ShapePolicyReason;
  /** What the rewrite did not recognise (reason `graph-not-recognised`). */
  detail?: string;
}

export interface PreparedModel {
  shape: ShapePolicyDecision;
  /** The rewritten graph to load instead of the file (a static export made rectangular); null: load the file. */
  bytes: Uint8Array | null;
}

const isFixed = (dim: number | string | undefined) => typeof dim === 'number' && dim > 0;

/**
 * Decides the shape policy of a model file whose input has `inputShape`, given the policy its config asks for: a
 * dynamic export is rectangular as it is; a static one is rewritten in memory (makeYolov5ShapeFlexible) unless it is
 * pinned to its square or the rewrite does not recognise its graph, in which case it keeps its fixed square.
 * `withBytes` also returns the rewritten graph (to load it); without it only the decision is made.
 */
export async function prepareModelShape(file: string, inputShape: readonly (number | string)[], requested: ShapePolicy, withBytes: boolean): Promise<PreparedModel> {
  if (requested === 'fixed') return { shape: { policy: 'fixed', reason: 'pinned-by-config' }, bytes: null };
  if (!isFixed(inputShape[2]) || !isFixed(inputShape[3])) return { shape: { policy: 'rectangular', reason: 'dynamic-export' }, bytes: null };
  const model = decodeOnnxModel(await readFile(file));
  const rewrite = makeYolov5ShapeFlexible(model);
  if (!rewrite.rewritten) return { shape: { policy: 'fixed', reason: 'graph-not-recognised', detail: rewrite.reason }, bytes: null };
  return { shape: { policy: 'rectangular', reason: 'static-export-rewritten' }, bytes: withBytes ? encodeOnnxModel(model) : null };
}
