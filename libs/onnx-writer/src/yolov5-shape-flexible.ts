import { defaultOpsetVersion, floatValues, int64Values, OnnxAttributeType, OnnxDataType, OnnxModel, OnnxNode, OnnxTensor } from './onnx-proto';

/** What `makeYolov5ShapeFlexible` did: rewrote the Detect head's levels, or left the graph alone and says why. */
export type ShapeFlexibleRewrite = { rewritten: true; levels: number } | { rewritten: false; reason: string };

/** Range (to count grid cells at run time) exists from ai.onnx opset 11. */
const OLDEST_REWRITABLE_OPSET = 11;
/** How far up from a grid's Add/Mul the level's Reshape may be (Mul ← Split ← Sigmoid ← Transpose ← Reshape, plus QDQ pairs). */
const LEVEL_SEARCH_DEPTH = 12;

interface Level {
  /** Reshape [1, C, ny, nx] → [1, na, no, ny, nx] with a constant shape. */
  reshape: OnnxNode;
  anchors: number;
  rowLength: number;
  ny: number;
  nx: number;
  grid?: { node: OnnxNode; input: number; offset: number };
  anchorGrid?: { node: OnnxNode; input: number; anchors: Float32Array };
}

/**
 * Makes a static YOLOv5 export (input fixed to 1x3xHxW; Detect head that reshapes each level to fixed sizes and adds
 * grid and anchor-grid constants baked for that input) accept any input whose sides are stride multiples, in place:
 * the input's height and width become symbolic, each level's [1, na, no, ny, nx] reshape takes ny, nx from the feature
 * map's runtime shape, the [1, na, ny, nx, 2] grid constant is computed from that shape (same cell offset), the anchor
 * grid shrinks to [1, na, 1, 1, 2] (it broadcasts), and the final [1, rows, no] reshapes infer their row count.
 * Every other node is kept. A graph it does not recognise is left untouched and the reason returned.
 */
export function makeYolov5ShapeFlexible(model: OnnxModel): ShapeFlexibleRewrite {
  const graph = model.graph;
  const unrecognised = (reason: string): ShapeFlexibleRewrite => ({ rewritten: false, reason });
  const opset = defaultOpsetVersion(model);
  if (opset === undefined || opset < OLDEST_REWRITABLE_OPSET) return unrecognised(`opset ${opset ?? 'none'} is older than ${OLDEST_REWRITABLE_OPSET}`);

  const initializers = new Map(graph.initializer.map((tensor) => [tensor.name, tensor]));
  const inputs = graph.input.filter((input) => !initializers.has(input.name));
  const inputDims = inputs.length === 1 ? inputs[0].type?.tensorType?.shape?.dim : undefined;
  if (!inputDims || inputDims.length !== 4 || !inputDims.every((dim) => typeof dim.dimValue === 'number' && dim.dimValue > 0) || inputDims[0].dimValue !== 1 || inputDims[1].dimValue !== 3) {
    return unrecognised('the input is not a fixed [1, 3, H, W] image');
  }

  const constants = new Map<string, OnnxTensor>(initializers);
  const producers = new Map<string, OnnxNode>();
  const consumers = new Map<string, { node: OnnxNode; input: number }[]>();
  for (const node of graph.node) {
    for (const output of node.output) producers.set(output, node);
    const value = node.opType === 'Constant' ? node.attribute.find((attribute) => attribute.name === 'value')?.t : undefined;
    if (value) constants.set(node.output[0], value);
    node.input.forEach((name, input) => consumers.set(name, [...(consumers.get(name) ?? []), { node, input }]));
  }
  const constantInt64 = (name: string | undefined) => {
    const tensor = name === undefined ? undefined : constants.get(name);
    return tensor?.dataType === OnnxDataType.INT64 ? int64Values(tensor) : null;
  };

  const levels = new Map<OnnxNode, Level>();
  const rowReshapes: { node: OnnxNode; rowLength: number }[] = [];
  for (const node of graph.node) {
    if (node.opType === 'Resize' && node.input[3]) return unrecognised(`Resize ${nodeLabel(node)} scales to fixed sizes`);
    if (node.opType !== 'Reshape') continue;
    const shape = constantInt64(node.input[1]);
    if (shape === null) continue; // computed at run time: already shape-agnostic
    if (shape.length === 5 && shape[0] === 1 && shape.every((dim) => dim > 0)) {
      const [, anchors, rowLength, ny, nx] = shape;
      levels.set(node, { reshape: node, anchors, rowLength, ny, nx });
    } else if (shape.length === 3 && shape[0] === 1 && shape[2] > 0) rowReshapes.push({ node, rowLength: shape[2] });
    else return unrecognised(`Reshape ${nodeLabel(node)} to the fixed shape [${shape.join(', ')}] is not a Detect head's`);
  }
  if (levels.size === 0 || rowReshapes.length === 0) return unrecognised('no YOLOv5 Detect head with fixed reshapes found');

  /** The Detect level whose reshaped map `name` is computed from. */
  const levelAbove = (name: string): Level | undefined => {
    for (let depth = 0, current = name; depth < LEVEL_SEARCH_DEPTH; depth++) {
      const producer = producers.get(current);
      if (!producer) return undefined;
      const level = levels.get(producer);
      if (level) return level;
      const next = producer.input.find((input) => input && !constants.has(input));
      if (next === undefined) return undefined;
      current = next;
    }
    return undefined;
  };

  for (const [name, tensor] of constants) {
    if (!mayBeGrid(tensor)) continue;
    const dims = tensor.dims.map(Number);
    for (const use of consumers.get(name) ?? []) {
      const other = use.node.input[1 - use.input];
      const level = other === undefined ? undefined : levelAbove(other);
      if (!level || dims[0] !== 1 || dims[1] !== level.anchors || dims[2] !== level.ny || dims[3] !== level.nx) {
        return unrecognised(`the [${dims.join(', ')}] constant ${name} does not belong to a Detect level`);
      }
      const values = floatValues(tensor);
      const offset = gridOffset(values, level);
      if (use.node.opType === 'Add' && offset !== null && !level.grid) level.grid = { ...use, offset };
      else if (use.node.opType === 'Mul' && isSpatiallyConstant(values, level) && !level.anchorGrid) level.anchorGrid = { ...use, anchors: anchorsOf(values, level) };
      else return unrecognised(`the [${dims.join(', ')}] constant ${name} is neither a grid nor an anchor grid`);
    }
  }
  for (const level of levels.values()) {
    if (!level.grid || !level.anchorGrid) return unrecognised(`Detect level ${nodeLabel(level.reshape)} has no constant grid and anchor grid`);
  }

  const names = new Set([...graph.node.flatMap((node) => [...node.input, ...node.output]), ...initializers.keys()]);
  const fresh = (base: string) => {
    let name = base;
    for (let n = 1; names.has(name); n++) name = `${base}_${n}`;
    names.add(name);
    return name;
  };
  const addInitializer = (base: string, dataType: OnnxDataType, dims: number[], values: ArrayLike<number>): string => {
    const name = fresh(base);
    const tensor: OnnxTensor =
      dataType === OnnxDataType.INT64 ? { name, dims, dataType, int64Data: Array.from(values) } : { name, dims, dataType, floatData: Array.from(values) };
    graph.initializer.push(tensor);
    return name;
  };
  const replaced = new Set([...levels.values()].flatMap((level) => [level.reshape.input[1], inputOf(level.grid!), inputOf(level.anchorGrid!)]));
  for (const { node } of rowReshapes) replaced.add(node.input[1]);
  const inserted = new Map<OnnxNode, OnnxNode[]>();
  let levelIndex = 0;
  for (const level of levels.values()) {
    const prefix = `/shape_flexible/level${levelIndex++}`;
    const nodes: OnnxNode[] = [];
    const add = (opType: string, input: string[], attributes: OnnxNode['attribute'] = []): string => {
      const output = fresh(`${prefix}/${opType}_output`);
      nodes.push({ name: fresh(`${prefix}/${opType}`), opType, input, output: [output], attribute: attributes });
      return output;
    };
    const int64 = (label: string, values: number[], dims = [values.length]) => addInitializer(`${prefix}/${label}`, OnnxDataType.INT64, dims, values);
    const float = (label: string, values: number[], dims = [values.length]) => addInitializer(`${prefix}/${label}`, OnnxDataType.FLOAT, dims, values);

    const mapShape = add('Shape', [level.reshape.input[0]]); // [1, C, ny, nx]
    const mapSize = add('Slice', [mapShape, int64('hw_start', [2]), int64('hw_end', [4])]);
    level.reshape.input[1] = add('Concat', [int64('level_shape', [1, level.anchors, level.rowLength]), mapSize], [{ name: 'axis', type: OnnxAttributeType.INT, i: 0 }]);
    const cells = (axis: number, layout: number[]) => {
      const count = add('Cast', [add('Gather', [mapShape, int64(`axis${axis}`, [axis], [])])], [{ name: 'to', type: OnnxAttributeType.INT, i: OnnxDataType.FLOAT }]);
      return add('Reshape', [add('Range', [float('zero', [0], []), count, float('one', [1], [])]), int64(`layout${axis}`, layout)]);
    };
    // (x, y) per cell as x·(1, 0) + y·(0, 1): exact in float32, [ny, nx, 2] broadcast over anchors.
    const xs = add('Mul', [cells(3, [1, -1, 1]), float('x_unit', [1, 0])]);
    const ys = add('Mul', [cells(2, [-1, 1, 1]), float('y_unit', [0, 1])]);
    const grid = add('Add', [add('Add', [xs, ys]), float('grid_offset', [level.grid!.offset], [])]);
    level.grid!.node.input[level.grid!.input] = grid;
    level.anchorGrid!.node.input[level.anchorGrid!.input] = float('anchor_grid', Array.from(level.anchorGrid!.anchors), [1, level.anchors, 1, 1, 2]);
    inserted.set(level.reshape, nodes);
  }
  for (const { node, rowLength } of rowReshapes) node.input[1] = addInitializer(`${nodeLabel(node)}/rows_shape`, OnnxDataType.INT64, [3], [1, -1, rowLength]);
  graph.node = graph.node.flatMap((node) => [...(inserted.get(node) ?? []), node]);

  inputDims[2] = { dimParam: 'height' };
  inputDims[3] = { dimParam: 'width' };
  const outputDims = graph.output[0]?.type?.tensorType?.shape?.dim;
  if (outputDims?.length === 3) outputDims[1] = { dimParam: 'anchors' };
  // Intermediate shapes were inferred for the fixed size; ONNX Runtime infers them again.
  graph.valueInfo = [];
  dropUnusedConstants(model, replaced);
  return { rewritten: true, levels: levels.size };
}

/** A [.., .., .., .., 2] float constant: a Detect level's grid or anchor grid if it belongs to one. */
const mayBeGrid = ({ dataType, dims }: Pick<OnnxTensor, 'dataType' | 'dims'>) => dataType === OnnxDataType.FLOAT && dims.length === 5 && Number(dims[4]) === 2;

/**
 * Whether makeYolov5ShapeFlexible reads the values of a constant with this head (the int64 shapes and the grids):
 * a graph whose other constants lack their values gets the same outcome, so it can be decided without the weights.
 */
export const shapeFlexibleReadsValues = (tensor: Pick<OnnxTensor, 'dataType' | 'dims'>): boolean => tensor.dataType === OnnxDataType.INT64 || mayBeGrid(tensor);

/** The grid's cell offset (YOLOv5 v7.0 bakes in -0.5) when `values` hold (x + offset, y + offset) at every cell, else null. */
function gridOffset(values: Float32Array, { anchors, ny, nx }: Level): number | null {
  const offset = values[0];
  for (let a = 0, i = 0; a < anchors; a++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i += 2) if (values[i] !== Math.fround(x + offset) || values[i + 1] !== Math.fround(y + offset)) return null;
    }
  }
  return offset;
}

/** Each anchor's (w, h) is the same at every cell. */
function isSpatiallyConstant(values: Float32Array, { anchors, ny, nx }: Level): boolean {
  const cells = ny * nx;
  for (let a = 0; a < anchors; a++) {
    for (let cell = 0, i = a * cells * 2; cell < cells; cell++, i += 2) if (values[i] !== values[a * cells * 2] || values[i + 1] !== values[a * cells * 2 + 1]) return false;
  }
  return true;
}

function anchorsOf(values: Float32Array, { anchors, ny, nx }: Level): Float32Array {
  const sizes = new Float32Array(anchors * 2);
  for (let a = 0; a < anchors; a++) sizes.set(values.subarray(a * ny * nx * 2, a * ny * nx * 2 + 2), a * 2);
  return sizes;
}

/** Exports may leave nodes unnamed: then the tensor they make names them. */
const nodeLabel = (node: OnnxNode) => node.name || node.output[0];

const inputOf = ({ node, input }: { node: OnnxNode; input: number }) => node.input[input];

/** The `replaced` constants (nodes or initializers) that nothing reads any more. */
function dropUnusedConstants(model: OnnxModel, replaced: ReadonlySet<string>): void {
  const graph = model.graph;
  const used = new Set([...graph.node.flatMap((node) => node.input), ...graph.output.map((output) => output.name)]);
  const unused = (name: string) => replaced.has(name) && !used.has(name);
  graph.node = graph.node.filter((node) => node.opType !== 'Constant' || !unused(node.output[0]));
  graph.initializer = graph.initializer.filter((tensor) => !unused(tensor.name));
}
