import * as protobuf from 'protobufjs';

/**
 * The subset of the ONNX protobuf schema (onnx.proto, proto2) that this project writes and reads back,
 * described as a protobufjs JSON descriptor. Field numbers follow the ONNX IR specification.
 */
const ONNX_DESCRIPTOR: protobuf.INamespace = {
  nested: {
    onnx: {
      nested: {
        AttributeType: {
          values: {
            UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
            TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
          },
        },
        DataType: {
          values: {
            UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8,
            BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13,
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { id: 1, type: 'string' },
            value: { id: 2, type: 'string' },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { id: 1, type: 'string' },
            version: { id: 2, type: 'int64' },
          },
        },
        TensorProto: {
          fields: {
            dims: { id: 1, type: 'int64', rule: 'repeated' },
            dataType: { id: 2, type: 'int32' },
            floatData: { id: 4, type: 'float', rule: 'repeated', options: { packed: true } },
            int32Data: { id: 5, type: 'int32', rule: 'repeated', options: { packed: true } },
            int64Data: { id: 7, type: 'int64', rule: 'repeated', options: { packed: true } },
            name: { id: 8, type: 'string' },
            rawData: { id: 9, type: 'bytes' },
            docString: { id: 12, type: 'string' },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { id: 1, type: 'Dimension', rule: 'repeated' },
          },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { id: 1, type: 'int64' },
                dimParam: { id: 2, type: 'string' },
                denotation: { id: 3, type: 'string' },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: {
            tensorType: { id: 1, type: 'Tensor' },
            denotation: { id: 6, type: 'string' },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { id: 1, type: 'int32' },
                shape: { id: 2, type: 'TensorShapeProto' },
              },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { id: 1, type: 'string' },
            type: { id: 2, type: 'TypeProto' },
            docString: { id: 3, type: 'string' },
          },
        },
        AttributeProto: {
          fields: {
            name: { id: 1, type: 'string' },
            f: { id: 2, type: 'float' },
            i: { id: 3, type: 'int64' },
            s: { id: 4, type: 'bytes' },
            t: { id: 5, type: 'TensorProto' },
            g: { id: 6, type: 'GraphProto' },
            floats: { id: 7, type: 'float', rule: 'repeated' },
            ints: { id: 8, type: 'int64', rule: 'repeated' },
            strings: { id: 9, type: 'bytes', rule: 'repeated' },
            tensors: { id: 10, type: 'TensorProto', rule: 'repeated' },
            graphs: { id: 11, type: 'GraphProto', rule: 'repeated' },
            docString: { id: 13, type: 'string' },
            type: { id: 20, type: 'AttributeType' },
            refAttrName: { id: 21, type: 'string' },
          },
        },
        NodeProto: {
          fields: {
            input: { id: 1, type: 'string', rule: 'repeated' },
            output: { id: 2, type: 'string', rule: 'repeated' },
            name: { id: 3, type: 'string' },
            opType: { id: 4, type: 'string' },
            attribute: { id: 5, type: 'AttributeProto', rule: 'repeated' },
            docString: { id: 6, type: 'string' },
            domain: { id: 7, type: 'string' },
          },
        },
        GraphProto: {
          fields: {
            node: { id: 1, type: 'NodeProto', rule: 'repeated' },
            name: { id: 2, type: 'string' },
            initializer: { id: 5, type: 'TensorProto', rule: 'repeated' },
            docString: { id: 10, type: 'string' },
            input: { id: 11, type: 'ValueInfoProto', rule: 'repeated' },
            output: { id: 12, type: 'ValueInfoProto', rule: 'repeated' },
            valueInfo: { id: 13, type: 'ValueInfoProto', rule: 'repeated' },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { id: 1, type: 'int64' },
            producerName: { id: 2, type: 'string' },
            producerVersion: { id: 3, type: 'string' },
            domain: { id: 4, type: 'string' },
            modelVersion: { id: 5, type: 'int64' },
            docString: { id: 6, type: 'string' },
            graph: { id: 7, type: 'GraphProto' },
            opsetImport: { id: 8, type: 'OperatorSetIdProto', rule: 'repeated' },
            metadataProps: { id: 14, type: 'StringStringEntryProto', rule: 'repeated' },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(ONNX_DESCRIPTOR);

/** The reflected ONNX message types, ready for `encode`/`decode`/`toObject`. */
export const OnnxProto = {
  ModelProto: root.lookupType('onnx.ModelProto'),
  GraphProto: root.lookupType('onnx.GraphProto'),
  NodeProto: root.lookupType('onnx.NodeProto'),
  AttributeProto: root.lookupType('onnx.AttributeProto'),
  TensorProto: root.lookupType('onnx.TensorProto'),
  ValueInfoProto: root.lookupType('onnx.ValueInfoProto'),
  TypeProto: root.lookupType('onnx.TypeProto'),
  TensorShapeProto: root.lookupType('onnx.TensorShapeProto'),
  OperatorSetIdProto: root.lookupType('onnx.OperatorSetIdProto'),
  StringStringEntryProto: root.lookupType('onnx.StringStringEntryProto'),
} as const;

/** TensorProto.DataType values used by this project. */
export enum OnnxDataType {
  FLOAT = 1,
  UINT8 = 2,
  INT8 = 3,
  INT32 = 6,
  INT64 = 7,
  DOUBLE = 11,
}

/** AttributeProto.AttributeType values. */
export enum OnnxAttributeType {
  FLOAT = 1,
  INT = 2,
  STRING = 3,
  TENSOR = 4,
  FLOATS = 6,
  INTS = 7,
  STRINGS = 8,
}

/** Field numbers needed to stream a model without going through protobufjs for the large parts. */
export const OnnxFieldNumber = {
  modelGraph: 7,
  graphInitializer: 5,
  tensorRawData: 9,
  /** Every TensorProto field that holds values (float, int32, string, int64, raw, double, uint64 data). */
  tensorValues: [4, 5, 6, 7, 9, 10, 11],
} as const;

/** Plain-object shapes of the messages (protobufjs `fromObject`/`toObject` form, camelCase). */
export interface OnnxDimension {
  dimValue?: number;
  dimParam?: string;
}
/** A shape left out means unknown rank (a calibration output, say); an empty `dim` list means a scalar. */
export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape?: { dim: OnnxDimension[] } } };
}
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  int64Data?: number[];
  int32Data?: number[];
  floatData?: number[];
}
export interface OnnxAttribute {
  name: string;
  type: OnnxAttributeType;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}
export interface OnnxNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
  domain?: string;
}
export interface OnnxMetadataEntry {
  key: string;
  value: string;
}
export interface OnnxOperatorSet {
  domain?: string;
  version: number;
}
/** Value infos read back may lack a shape (or a type) where the writer left it out. */
export interface OnnxGraph {
  name?: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  valueInfo?: OnnxValueInfo[];
  docString?: string;
}
export interface OnnxModel {
  irVersion: number;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph: OnnxGraph;
  opsetImport: OnnxOperatorSet[];
  metadataProps: OnnxMetadataEntry[];
}

const DECODED_FORM: protobuf.IConversionOptions = { longs: Number, arrays: true };

/**
 * A whole model as plain objects (int64 fields as numbers, bytes as views into `bytes`, empty lists present), for
 * tools that rewrite an existing graph. Large weights stay views over the input buffer rather than copies.
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  return OnnxProto.ModelProto.toObject(OnnxProto.ModelProto.decode(bytes), DECODED_FORM) as OnnxModel;
}

/** One TensorProto, in decodeOnnxModel's form. */
export function decodeOnnxTensor(bytes: Uint8Array): OnnxTensor {
  return OnnxProto.TensorProto.toObject(OnnxProto.TensorProto.decode(bytes), DECODED_FORM) as OnnxTensor;
}

export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  return OnnxProto.ModelProto.encode(OnnxProto.ModelProto.fromObject(model)).finish();
}

/** The ai.onnx ('' domain) opset a model imports. */
export function defaultOpsetVersion(model: OnnxModel): number | undefined {
  return model.opsetImport.find((entry) => !entry.domain || entry.domain === 'ai.onnx')?.version;
}

/** A float tensor's values, from raw_data or float_data. */
export function floatValues(tensor: OnnxTensor): Float32Array {
  if (tensor.dataType !== OnnxDataType.FLOAT) throw new Error(`${tensor.name} is not a float tensor`);
  if (tensor.rawData && tensor.rawData.byteLength > 0) {
    const copy = new Uint8Array(tensor.rawData); // aligned copy: raw_data can sit at any byte offset
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  return Float32Array.from(tensor.floatData ?? []);
}

/** An int64 tensor's values (shapes, axes), from raw_data or int64_data. */
export function int64Values(tensor: OnnxTensor): number[] {
  if (tensor.dataType !== OnnxDataType.INT64) throw new Error(`${tensor.name} is not an int64 tensor`);
  if (tensor.rawData && tensor.rawData.byteLength > 0) {
    const copy = new Uint8Array(tensor.rawData);
    return Array.from(new BigInt64Array(copy.buffer, 0, copy.byteLength / 8), Number);
  }
  return [...(tensor.int64Data ?? [])];
}
