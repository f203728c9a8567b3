import { endianness } from 'node:os';
import * as protobuf from 'protobufjs';
import {
  OnnxAttribute,
  OnnxAttributeType,
  OnnxDataType,
  OnnxDimension,
  OnnxFieldNumber,
  OnnxMetadataEntry,
  OnnxNode,
  OnnxProto,
  OnnxTensor,
  OnnxValueInfo,
} from './onnx-proto';

/** A tensor dimension: a fixed size, or a symbolic name such as 'batch' or 'height'. */
export type Dim = number | string;

/** An attribute value without its name; build one with the `Attr` helpers. */
export type AttributeValue = Omit<OnnxAttribute, 'name'>;

/** Typed attribute constructors (ONNX distinguishes int from float, so the caller says which). */
export const Attr = {
  int: (i: number): AttributeValue => ({ type: OnnxAttributeType.INT, i }),
  string: (s: string): AttributeValue => ({ type: OnnxAttributeType.STRING, s: Buffer.from(s, 'utf8') }),
  ints: (ints: readonly number[]): AttributeValue => ({ type: OnnxAttributeType.INTS, ints: [...ints] }),
} as const;

export interface OnnxGraphBuilderOptions {
  graphName?: string;
  producerName?: string;
  producerVersion?: string;
  /** ai.onnx opset version; default 17. */
  opsetVersion?: number;
  /** ONNX IR version; default 8 (the one matching opset 17). */
  irVersion?: number;
}

interface FloatInitializer {
  header: OnnxTensor;
  data: Float32Array;
}

/**
 * Builds an ONNX model (single graph, ai.onnx domain) and serialises it.
 * Float initializers are kept as the caller's Float32Arrays and emitted as raw_data slices, so a large
 * model is never copied into an intermediate protobuf object: `chunks()` returns views over them.
 */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly floatInitializers: FloatInitializer[] = [];
  private readonly smallInitializers: OnnxTensor[] = [];
  private readonly metadata = new Map<string, string>();
  private readonly usedNames = new Set<string>();
  private readonly nameCounters = new Map<string, number>();

  constructor(private readonly options: OnnxGraphBuilderOptions = {}) {
    if (endianness() !== 'LE') throw new Error('ONNX raw_data is little-endian; big-endian hosts are not supported');
  }

  /** A fresh tensor/node name `<prefix>_<n>` that is not used yet. */
  uniqueName(prefix: string): string {
    let n = this.nameCounters.get(prefix) ?? 0;
    let name: string;
    do name = `${prefix}_${n++}`;
    while (this.usedNames.has(name));
    this.nameCounters.set(prefix, n);
    this.usedNames.add(name);
    return name;
  }

  /** Whether a tensor (input, initializer or node output) of this name exists, e.g. to share a constant. */
  hasTensor(name: string): boolean {
    return this.usedNames.has(name);
  }

  addInput(name: string, elemType: OnnxDataType, dims: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  addOutput(name: string, elemType: OnnxDataType, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A float32 initializer stored as raw_data; `data` is referenced, not copied, until serialisation. */
  addFloatInitializer(name: string, dims: readonly number[], data: Float32Array): string {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    this.claim(name);
    this.floatInitializers.push({ header: { name, dims: [...dims], dataType: OnnxDataType.FLOAT }, data });
    return name;
  }

  /** A small int64 initializer (shapes, axes, indices); a scalar when `dims` is []. */
  addInt64Initializer(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    this.claim(name);
    this.smallInitializers.push({ name, dims: [...dims], dataType: OnnxDataType.INT64, int64Data: [...values] });
    return name;
  }

  /** A small float32 constant (scalars, anchors) stored inline. */
  addFloatConstant(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    this.claim(name);
    this.smallInitializers.push({ name, dims: [...dims], dataType: OnnxDataType.FLOAT, floatData: [...values] });
    return name;
  }

  /** Adds a node with one output (named `outputName`, or a fresh name) and returns the output's name. */
  addNode(opType: string, inputs: readonly string[], attributes: Record<string, AttributeValue> = {}, outputName?: string): string {
    const name = this.uniqueName(opType);
    const output = outputName === undefined ? this.uniqueName(`${name}_out`) : this.claim(outputName);
    this.pushNode(name, opType, inputs, [output], attributes);
    return output;
  }

  /** Adds a node with `outputCount` outputs (e.g. Split) and returns their names. */
  addMultiOutputNode(opType: string, inputs: readonly string[], outputCount: number, attributes: Record<string, AttributeValue> = {}): string[] {
    const name = this.uniqueName(opType);
    const outputs = Array.from({ length: outputCount }, () => this.uniqueName(`${name}_out`));
    this.pushNode(name, opType, inputs, outputs, attributes);
    return outputs;
  }

  setMetadata(key: string, value: string): void {
    this.metadata.set(key, value);
  }

  /** The serialised ModelProto as a list of byte chunks (large weights are views, not copies). */
  chunks(): Uint8Array[] {
    const graphHead = OnnxProto.GraphProto.encode(
      OnnxProto.GraphProto.fromObject({
        name: this.options.graphName ?? 'main',
        node: this.nodes,
        input: this.inputs,
        output: this.outputs,
        initializer: this.smallInitializers,
      }),
    ).finish();

    const graphChunks: Uint8Array[] = [graphHead];
    for (const { header, data } of this.floatInitializers) {
      const tensorHead = OnnxProto.TensorProto.encode(OnnxProto.TensorProto.fromObject(header)).finish();
      const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      const rawPrefix = lengthDelimitedPrefix(OnnxFieldNumber.tensorRawData, raw.byteLength);
      const tensorLength = tensorHead.byteLength + rawPrefix.byteLength + raw.byteLength;
      graphChunks.push(lengthDelimitedPrefix(OnnxFieldNumber.graphInitializer, tensorLength), tensorHead, rawPrefix, raw);
    }
    const graphLength = graphChunks.reduce((sum, c) => sum + c.byteLength, 0);

    const modelHead = OnnxProto.ModelProto.encode(
      OnnxProto.ModelProto.fromObject({
        irVersion: this.options.irVersion ?? 8,
        producerName: this.options.producerName ?? 'yolov5-detector onnx-writer',
        producerVersion: this.options.producerVersion ?? '1.0.0',
        opsetImport: [{ domain: '', version: this.options.opsetVersion ?? 17 }],
        metadataProps: [...this.metadata].map(([key, value]): OnnxMetadataEntry => ({ key, value })),
      }),
    ).finish();
    return [modelHead, lengthDelimitedPrefix(OnnxFieldNumber.modelGraph, graphLength), ...graphChunks];
  }

  /** The whole serialised model in one buffer. */
  toBytes(): Uint8Array {
    return Buffer.concat(this.chunks());
  }

  private pushNode(name: string, opType: string, inputs: readonly string[], output: string[], attributes: Record<string, AttributeValue>): void {
    const attribute = Object.entries(attributes).map(([attrName, value]) => ({ name: attrName, ...value }));
    this.nodes.push({ name, opType, input: [...inputs], output, attribute });
  }

  private claim(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`duplicate tensor name ${name}`);
    this.usedNames.add(name);
    return name;
  }
}

function valueInfo(name: string, elemType: OnnxDataType, dims: readonly Dim[]): OnnxValueInfo {
  const dim = dims.map((d): OnnxDimension => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** Tag (wire type 2) and varint length of a length-delimited field whose payload is written separately. */
function lengthDelimitedPrefix(fieldNumber: number, length: number): Uint8Array {
  return protobuf.Writer.create().uint32((fieldNumber << 3) | 2).uint32(length).finish();
}
