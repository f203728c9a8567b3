import { FileHandle, open } from 'node:fs/promises';
import { Reader } from 'protobufjs/minimal';
import { COCO_CLASS_NAMES } from './coco-names';
import type { HeadMetadata } from './model-contract';

/**
 * Reads ModelProto.metadata_props from an ONNX file without parsing the graph: the top-level fields are walked
 * by their protobuf tags and every other field (the 100+ MB `graph` above all) is skipped by seeking past it.
 */
const METADATA_PROPS_FIELD = 14;
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const HEADER_BYTES = 20; // a tag and a length varint fit in 20 bytes

/** One length-delimited field of a protobuf message in a file: where its payload lies. */
export interface FileField {
  field: number;
  /** Where the field's tag begins. */
  headerStart: number;
  start: number;
  length: number;
}

/**
 * Walks the fields of the protobuf message in `file` between `start` and `end` (bytes), calling `visit` for each
 * length-delimited one; the others are skipped. Payloads are not read: `visit` reads what it needs (or walks into it).
 */
export async function walkFileFields(handle: FileHandle, file: string, start: number, end: number, visit: (field: FileField) => Promise<void> | void): Promise<void> {
  const header = Buffer.alloc(HEADER_BYTES);
  let position = start;
  while (position < end) {
    const { bytesRead } = await handle.read(header, 0, Math.min(HEADER_BYTES, end - position), position);
    const reader = Reader.create(header.subarray(0, bytesRead));
    const tag = readOrThrow(file, () => reader.uint32());
    const field = tag >>> 3;
    const wireType = tag & 7;
    let payloadLength: number;
    if (wireType === WIRE_VARINT) {
      readOrThrow(file, () => reader.skipType(WIRE_VARINT));
      payloadLength = 0;
    } else if (wireType === WIRE_FIXED64) payloadLength = 8;
    else if (wireType === WIRE_FIXED32) payloadLength = 4;
    else if (wireType === WIRE_LENGTH_DELIMITED) payloadLength = readOrThrow(file, () => reader.uint32());
    else throw new Error(`${file}: not an ONNX model (unexpected protobuf wire type ${wireType} at byte ${position})`);
    const payloadStart = position + reader.pos;
    if (payloadStart + payloadLength > end) throw new Error(`${file}: truncated or not an ONNX model (field ${field} runs past the end)`);
    if (wireType === WIRE_LENGTH_DELIMITED) await visit({ field, headerStart: position, start: payloadStart, length: payloadLength });
    position = payloadStart + payloadLength;
  }
}

/** The payload of one field, read whole (small fields only). */
export async function readFileField(handle: FileHandle, { start, length }: FileField): Promise<Buffer> {
  const bytes = Buffer.alloc(length);
  await handle.read(bytes, 0, length, start);
  return bytes;
}

export async function readOnnxMetadata(file: string): Promise<Record<string, string>> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const metadata: Record<string, string> = {};
    await walkFileFields(handle, file, 0, size, async (field) => {
      if (field.field !== METADATA_PROPS_FIELD) return;
      const entry = await readFileField(handle, field);
      const [key, value] = readOrThrow(file, () => parseStringEntry(entry));
      metadata[key] = value;
    });
    return metadata;
  } finally {
    await handle.close();
  }
}

/** protobufjs' Reader throws bare errors ("index out of range", "invalid wire type 7 at offset 1"): say which file and what that means. */
export function readOrThrow<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new Error(`${file}: truncated or not an ONNX model (${(error as Error).message})`);
  }
}

/** StringStringEntryProto: key = 1, value = 2. */
function parseStringEntry(bytes: Uint8Array): [string, string] {
  const reader = Reader.create(bytes);
  let key = '';
  let value = '';
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) key = reader.string();
    else if (tag >>> 3 === 2) value = reader.string();
    else reader.skipType(tag & 7);
  }
  return [key, value];
}

/**
 * Parses the ultralytics `names` metadata, a Python repr: "{0: 'person', 1: 'bicycle'}" or "['person', 'bicycle']".
 * Returns null when the text is not such a repr, so callers can fall back to the COCO names.
 */
export function parseNamesMetadata(text: string | undefined): string[] | null {
  if (!text) return null;
  const tokens = tokenizePythonLiteral(text.trim());
  if (!tokens) return null;
  const open = tokens.shift();
  const close = tokens.pop();
  const isDict = open === '{' && close === '}';
  if (!isDict && !(open === '[' && close === ']')) return null;
  const names: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    let index = names.length;
    if (isDict) {
      const key = tokens[i++];
      if (typeof key !== 'number' || tokens[i++] !== ':') return null;
      index = key;
    }
    const name = tokens[i++];
    if (typeof name !== 'string' || !name.startsWith("'")) return null;
    names[index] = name.slice(1);
    if (i < tokens.length && tokens[i++] !== ',') return null;
  }
  for (let i = 0; i < names.length; i++) if (names[i] === undefined) return null;
  return names.length > 0 ? names : null;
}

/** Tokens: punctuation as itself, integers as numbers, strings as "'" + unescaped content. */
function tokenizePythonLiteral(text: string): (string | number)[] | null {
  const tokens: (string | number)[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) i++;
    else if ('{}[]:,'.includes(ch)) tokens.push(text[i++]);
    else if (/[0-9]/.test(ch)) {
      const digits = /^[0-9]+/.exec(text.slice(i))![0];
      tokens.push(Number(digits));
      i += digits.length;
    } else if (ch === "'" || ch === '"') {
      let content = '';
      i++;
      while (i < text.length && text[i] !== ch) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        content += text[i++];
      }
      if (i >= text.length) return null;
      i++;
      tokens.push("'" + content);
    } else return null;
  }
  return tokens;
}

export interface YoloMetadata extends HeadMetadata {
  names: string[];
  stride: number;
  /** Set by the project's generator: real architecture, random weights (benchmarks only). */
  randomWeights: boolean;
}

export const DEFAULT_STRIDE = 32;

export function interpretYoloMetadata(metadata: Record<string, string>): YoloMetadata {
  const names = parseNamesMetadata(metadata.names);
  const stride = Number.parseInt(metadata.stride ?? '', 10);
  return {
    names: names ?? [...COCO_CLASS_NAMES],
    namesFromFile: names !== null,
    stride: Number.isInteger(stride) && stride > 0 ? stride : DEFAULT_STRIDE,
    randomWeights: metadata.random_weights === 'true',
    task: metadata.task?.trim() || null,
    end2end: parsePythonBool(metadata.end2end),
  };
}

/** Ultralytics writes booleans as Python's str(): "True" / "False"; anything else is no answer. */
function parsePythonBool(text: string | undefined): boolean | null {
  const value = text?.trim().toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : null;
}
