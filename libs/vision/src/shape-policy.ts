import { makeYolov5ShapeFlexible, ShapeFlexibleRewrite, shapeFlexibleReadsValues } from '@app/onnx-writer/yolov5-shape-flexible';
import { OnnxModelHead, readOnnxModelHead } from './onnx-model-head';

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

/** The policy when it does not depend on the graph: asked fixed, or a dynamic export. */
function policyWithoutGraph(inputShape: readonly (number | string)[], requested: ShapePolicy): ShapePolicyDecision | null {
  if (requested === 'fixed') return { policy: 'fixed', reason: 'pinned-by-config' };
  if (!isFixed(inputShape[2]) || !isFixed(inputShape[3])) return { policy: 'rectangular', reason: 'dynamic-export' };
  return null;
}

const policyOfRewrite = (rewrite: ShapeFlexibleRewrite): ShapePolicyDecision =>
  rewrite.rewritten ? { policy: 'rectangular', reason: 'static-export-rewritten' } : { policy: 'fixed', reason: 'graph-not-recognised', detail: rewrite.reason };

/** What makeYolov5ShapeFlexible makes of the file's graph, read without its weights. */
async function rewriteHead(file: string): Promise<{ head: OnnxModelHead; shape: ShapePolicyDecision }> {
  const head = await readOnnxModelHead(file, shapeFlexibleReadsValues);
  return { head, shape: policyOfRewrite(makeYolov5ShapeFlexible(head.model)) };
}

/**
 * Decides the shape policy of a model file whose input has `inputShape`, given the policy its config asks for: a
 * dynamic export is rectangular as it is; a static one is rewritten in memory (makeYolov5ShapeFlexible) unless it is
 * pinned to its square or the rewrite does not recognise its graph, in which case it keeps its fixed square. Reads the
 * graph without its weights.
 */
export async function decideModelShape(file: string, inputShape: readonly (number | string)[], requested: ShapePolicy): Promise<ShapePolicyDecision> {
  return policyWithoutGraph(inputShape, requested) ?? (await rewriteHead(file)).shape;
}

/**
 * decideModelShape's decision, and the rewritten graph to load when it rewrites the file: the only copy of the weights
 * this makes, which the caller gives back (releaseBytes) once its session is made.
 */
export async function prepareModelShape(file: string, inputShape: readonly (number | string)[], requested: ShapePolicy): Promise<PreparedModel> {
  const settled = policyWithoutGraph(inputShape, requested);
  if (settled) return { shape: settled, bytes: null };
  const { head, shape } = await rewriteHead(file);
  return { shape, bytes: shape.reason === 'static-export-rewritten' ? await head.encode() : null };
}
