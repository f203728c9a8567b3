import type { Detection } from '@app/vision';

/**
 * The detector seen as an Open Inference Protocol (KServe v2) model: one BYTES input carrying the encoded image,
 * four named outputs. Pure functions over the protocol's JSON tensors; the HTTP layer turns a `problem` into a 400.
 */

/** The protocol's tensor data types. */
export const TENSOR_DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'] as const;
export type TensorDatatype = (typeof TENSOR_DATATYPES)[number];

/** A tensor's name, type and shape, as model metadata lists them (-1: a dimension that varies). */
export interface TensorMetadata {
  name: string;
  datatype: TensorDatatype;
  shape: number[];
}

export interface Tensor extends TensorMetadata {
  data: (number | string)[];
}

/** The input a request carries (as the JSON arrives: data may be nested and of any element type). */
export interface RequestTensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

/** One encoded image file (JPEG, PNG, ...), base64 in JSON: the BYTES element of a one-element tensor. */
export const IMAGE_INPUT: Readonly<TensorMetadata> = { name: 'image', datatype: 'BYTES', shape: [1] };

export const OUTPUT_NAMES = ['boxes', 'scores', 'class_ids', 'class_names'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

/** N detections: corner boxes in pixels of the upright image, confidences, class indices and names, in the same order. */
export const DETECTION_OUTPUTS: Readonly<Record<OutputName, TensorMetadata>> = {
  boxes: { name: 'boxes', datatype: 'FP32', shape: [-1, 4] },
  scores: { name: 'scores', datatype: 'FP32', shape: [-1] },
  class_ids: { name: 'class_ids', datatype: 'INT32', shape: [-1] },
  class_names: { name: 'class_names', datatype: 'BYTES', shape: [-1] },
};

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const describeShape = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const elementCount = (shape: readonly number[]) => shape.reduce((count, dimension) => count * dimension, 1);

/** The base64 text of the request's image: its one input must be `image`, BYTES, shape [1] with one string. */
export function imageInputOf(inputs: readonly RequestTensor[]): Checked<string> {
  const expected = `one input named "image" (datatype BYTES, shape [1], data: the image file in base64)`;
  const unknown = inputs.find((input) => input.name !== IMAGE_INPUT.name);
  if (unknown) return { ok: false, problem: `Unknown input "${unknown.name}": the model takes ${expected}.` };
  if (inputs.length !== 1) return { ok: false, problem: `The model takes ${expected}; the request has ${inputs.length}.` };
  const [input] = inputs;
  if (input.datatype !== IMAGE_INPUT.datatype) {
    return { ok: false, problem: `Input "image" must be BYTES (the encoded image file, base64 in JSON), not ${input.datatype}.` };
  }
  if (elementCount(input.shape) !== 1) {
    return { ok: false, problem: `Input "image" holds one image: shape [1], not ${describeShape(input.shape)}. Send one request per image.` };
  }
  const data = input.data.flat(Infinity);
  if (data.length !== 1) {
    return { ok: false, problem: `Input "image" has shape ${describeShape(input.shape)}, so its data must hold 1 element, not ${data.length}.` };
  }
  if (typeof data[0] !== 'string') return { ok: false, problem: 'Input "image" must hold the image file as a base64 string.' };
  return { ok: true, value: data[0] };
}

/** The outputs a request asks for, in its order; all four when it names none. */
export function requestedOutputs(outputs: readonly { name: string }[] | undefined): Checked<OutputName[]> {
  if (!outputs || outputs.length === 0) return { ok: true, value: [...OUTPUT_NAMES] };
  const names = outputs.map((output) => output.name);
  const unknown = names.find((name) => !(OUTPUT_NAMES as readonly string[]).includes(name));
  if (unknown !== undefined) return { ok: false, problem: `Unknown output "${unknown}": the model's outputs are ${OUTPUT_NAMES.join(', ')}.` };
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) return { ok: false, problem: `Output "${repeated}" is requested twice.` };
  return { ok: true, value: names as OutputName[] };
}

/** The detections as the named output tensors, flattened row-major as the protocol's JSON carries them. */
export function detectionTensors(detections: readonly Detection[], classNames: readonly string[], names: readonly OutputName[]): Tensor[] {
  const count = detections.length;
  const data: Record<OutputName, () => (number | string)[]> = {
    boxes: () => detections.flatMap((box) => [box.x_min, box.y_min, box.x_max, box.y_max]),
    scores: () => detections.map((box) => box.confidence),
    class_ids: () => detections.map((box) => classNames.indexOf(box.class_name)),
    class_names: () => detections.map((box) => box.class_name),
  };
  return names.map((name) => {
    const { datatype, shape } = DETECTION_OUTPUTS[name];
    return { name, datatype, shape: shape.map((dimension) => (dimension === -1 ? count : dimension)), data: data[name]() };
  });
}
