import { open } from 'node:fs/promises';
import { Reader } from 'protobufjs/minimal';
import { TensorSignature } from './model-contract';
import { FileField, readFileField, readOrThrow, walkFileFields } from './onnx-metadata';

/**
 * The graph's inputs and outputs as ONNX Runtime would report them, read from the file without loading it: the
 * graph is walked field by field and its nodes and weights are skipped by seeking, so checking the contract of a
 * 180 MB model costs a few small reads instead of a session (seconds and hundreds of MB).
 */
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const TENSOR_NAME = 8;
/** TensorProto.DataType → the names ONNX Runtime's metadata uses. */
const ELEMENT_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 10: 'float16', 11: 'float64' };

export interface OnnxSignature {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

export async function readOnnxSignature(file: string): Promise<OnnxSignature> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const inputs: TensorSignature[] = [];
    const outputs: TensorSignature[] = [];
    const initializers: FileField[] = [];
    let graphs = 0;
    await walkFileFields(handle, file, 0, size, async (model) => {
      if (model.field !== MODEL_GRAPH) return;
      graphs++;
      await walkFileFields(handle, file, model.start, model.start + model.length, async (graph) => {
        if (graph.field === GRAPH_INITIALIZER) initializers.push(graph);
        if (graph.field !== GRAPH_INPUT && graph.field !== GRAPH_OUTPUT) return;
        const bytes = await readFileField(handle, graph);
        (graph.field === GRAPH_INPUT ? inputs : outputs).push(readOrThrow(file, () => parseValueInfo(bytes)));
      });
    });
    if (graphs === 0) throw new Error(`${file}: not an ONNX model (it has no graph)`);
    if (inputs.length <= 1 || initializers.length === 0) return { inputs, outputs };
    // Older exports list their weights among the inputs too; ONNX Runtime does not report those.
    const weights = new Set<string>();
    for (const initializer of initializers) {
      await walkFileFields(handle, file, initializer.start, initializer.start + initializer.length, async (field) => {
        if (field.field === TENSOR_NAME) weights.add((await readFileField(handle, field)).toString('utf8'));
      });
    }
    return { inputs: inputs.filter((input) => !weights.has(input.name)), outputs };
  } finally {
    await handle.close();
  }
}

/** ValueInfoProto { name = 1; type = 2: TypeProto { tensor_type = 1: { elem_type = 1; shape = 2 } } }. */
function parseValueInfo(bytes: Uint8Array): TensorSignature {
  const reader = Reader.create(bytes);
  const signature: TensorSignature = { name: '', isTensor: false };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) signature.name = reader.string();
    else if (tag >>> 3 === 2) Object.assign(signature, parseType(reader.bytes()));
    else reader.skipType(tag & 7);
  }
  return signature;
}

function parseType(bytes: Uint8Array): Partial<TensorSignature> {
  const reader = Reader.create(bytes);
  let tensor: Partial<TensorSignature> = {};
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) tensor = parseTensorType(reader.bytes());
    else reader.skipType(tag & 7);
  }
  return tensor;
}

function parseTensorType(bytes: Uint8Array): Partial<TensorSignature> {
  const reader = Reader.create(bytes);
  const tensor: Partial<TensorSignature> = { isTensor: true, shape: [] };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) {
      const elemType = reader.int32();
      tensor.type = ELEMENT_TYPES[elemType] ?? `element type ${elemType}`;
    } else if (tag >>> 3 === 2) tensor.shape = parseShape(reader.bytes());
    else reader.skipType(tag & 7);
  }
  return tensor;
}

/** TensorShapeProto { repeated Dimension dim = 1 { int64 dim_value = 1; string dim_param = 2 } }; unnamed unknown axes read as -1. */
function parseShape(bytes: Uint8Array): (number | string)[] {
  const reader = Reader.create(bytes);
  const shape: (number | string)[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 !== 1) {
      reader.skipType(tag & 7);
      continue;
    }
    const dim = Reader.create(reader.bytes());
    let value: number | string = -1;
    while (dim.pos < dim.len) {
      const dimTag = dim.uint32();
      if (dimTag >>> 3 === 1) value = Number(dim.int64());
      else if (dimTag >>> 3 === 2) value = dim.string();
      else dim.skipType(dimTag & 7);
    }
    shape.push(value);
  }
  return shape;
}
