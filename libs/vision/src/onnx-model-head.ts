import { FileHandle, open } from 'node:fs/promises';
import { Writer } from 'protobufjs/minimal';
import { decodeOnnxModel, decodeOnnxTensor, OnnxFieldNumber, OnnxModel, OnnxProto, OnnxTensor } from '@app/onnx-writer/onnx-proto';
import { FileField, walkFileFields } from './onnx-metadata';

const TENSOR_VALUES: ReadonlySet<number> = new Set(OnnxFieldNumber.tensorValues);

/** Where a constant's whole TensorProto field (tag, length and payload) lies in its file. */
interface FileSpan {
  start: number;
  end: number;
}

export interface OnnxModelHead {
  /** Decoded as decodeOnnxModel would, but the constants turned down by `keepValues` have no values (name, type, dims). */
  model: OnnxModel;
  /**
   * `model` as it is now (a rewrite may have changed it) encoded whole, in one buffer: the values it lacks are read
   * from the file into place. Throws if the file has changed since its head was read.
   */
  encode(): Promise<Uint8Array>;
}

/**
 * Reads a model file without the values of the constants (initializers) for which `keepValues` is false: the weights
 * are skipped by seeking, so deciding something from the graph of a 180 MB file reads a few hundred kB, and rewriting
 * it holds the weights once (in the encoded model), never the file's bytes beside them.
 */
export async function readOnnxModelHead(file: string, keepValues: (head: OnnxTensor) => boolean): Promise<OnnxModelHead> {
  const handle = await open(file, 'r');
  try {
    const stat = await handle.stat();
    const message = (start: number, end: number, replace: Replacer) => readMessage(handle, file, start, end, replace);
    /** Per initializer, in file order: where it lies when its values were left out. */
    const spans: (FileSpan | null)[] = [];
    const tensor = async ({ headerStart, start, length }: FileField) => {
      const head = await message(start, start + length, async (field) => (TENSOR_VALUES.has(field.field) ? null : undefined));
      const kept = keepValues(decodeOnnxTensor(head));
      spans.push(kept ? null : { start: headerStart, end: start + length });
      return kept ? undefined : head;
    };
    const graph = ({ start, length }: FileField) => message(start, start + length, async (field) => (field.field === OnnxFieldNumber.graphInitializer ? tensor(field) : undefined));
    const model = decodeOnnxModel(await message(0, stat.size, async (field) => (field.field === OnnxFieldNumber.modelGraph ? graph(field) : undefined)));
    const inFile = new Map(model.graph?.initializer.flatMap((initializer, i) => (spans[i] ? [[initializer, spans[i]] as const] : [])));
    const fingerprint = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    return { model, encode: () => encodeWithFileTensors(model, file, inFile, fingerprint) };
  } finally {
    await handle.close();
  }
}

/** The model encoded with its graph's `inFile` constants copied whole from where they lie in `file`. */
async function encodeWithFileTensors(model: OnnxModel, file: string, inFile: ReadonlyMap<OnnxTensor, FileSpan>, fingerprint: string): Promise<Uint8Array> {
  const spans = model.graph.initializer.flatMap((tensor) => inFile.get(tensor) ?? []);
  const graph = OnnxProto.GraphProto.encode(OnnxProto.GraphProto.fromObject({ ...model.graph, initializer: model.graph.initializer.filter((tensor) => !inFile.has(tensor)) })).finish();
  const rest = OnnxProto.ModelProto.encode(OnnxProto.ModelProto.fromObject({ ...model, graph: undefined })).finish();
  const graphLength = spans.reduce((sum, span) => sum + span.end - span.start, graph.length);
  const graphHeader = lengthDelimited(OnnxFieldNumber.modelGraph, graphLength);
  const bytes = new Uint8Array(rest.length + graphHeader.length + graphLength);
  let at = 0;
  for (const piece of [rest, graphHeader, graph]) {
    bytes.set(piece, at);
    at += piece.length;
  }
  const handle = await open(file, 'r');
  try {
    const stat = await handle.stat();
    if (`${stat.ino}:${stat.size}:${stat.mtimeMs}` !== fingerprint) throw new Error(`${file} changed while it was being read`);
    for (const span of spans) {
      const { bytesRead } = await handle.read(bytes, at, span.end - span.start, span.start);
      if (bytesRead !== span.end - span.start) throw new Error(`${file} changed while it was being read`);
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return bytes;
}

/** A length-delimited field's tag and length. */
const lengthDelimited = (field: number, length: number) => Writer.create().uint32((field << 3) | 2).uint32(length).finish();

type Replacer = (field: FileField) => Promise<Uint8Array | null | undefined>;

/**
 * The bytes of the protobuf message between `start` and `end` with each length-delimited field for which `replace`
 * gives bytes rewritten to hold those (null drops the field); the others (undefined) are copied as they are.
 */
async function readMessage(handle: FileHandle, file: string, start: number, end: number, replace: Replacer): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  let copiedTo = start;
  const copy = async (to: number) => {
    const bytes = Buffer.alloc(to - copiedTo);
    await handle.read(bytes, 0, bytes.length, copiedTo);
    pieces.push(bytes);
  };
  await walkFileFields(handle, file, start, end, async (field) => {
    const replacement = await replace(field);
    if (replacement === undefined) return;
    await copy(field.headerStart);
    if (replacement !== null) pieces.push(lengthDelimited(field.field, replacement.length), replacement);
    copiedTo = field.start + field.length;
  });
  await copy(end);
  return Buffer.concat(pieces);
}
