import { Jimp } from 'jimp';
import { Tensor } from 'onnxruntime-node';
import { Bitmap, HeadLayout, LETTERBOX_PAD_VALUE, letterboxToTensor, planLetterbox, releaseOutputs } from '@app/vision';
import { LoadedYoloModel, YoloDetector } from '@app/vision/runtime';
import { decodeImage } from '@app/vision/imaging';
import { BenchPhoto } from './in-process';

/** The grey of the comparison image: the letterbox padding's, so the picture is all that changes. */
const LETTERBOX_GREY = LETTERBOX_PAD_VALUE;

/**
 * What the service's decoding does to the model's input and output for one photo, against two references:
 * - exact: sharp's full-size decode (libjpeg-turbo, the decoder of PIL in torch hub) letterboxed by the JS
 *   cv2-INTER_LINEAR pass, i.e. AutoShape's arithmetic;
 * - jimp: the previous decoder (pure-JS JPEG), same letterbox.
 *
 * Random weights make detections nearly independent of the picture (bus.jpg and a uniform grey image give the same
 * boxes), so comparing boxes would show nothing. The output is compared instead, relative to the photo's own
 * influence on it: mean |output(service) − output(reference)| / mean |output(reference) − output(grey image)| over
 * the objectness and class scores. 0 means identical; 1 would mean the difference is as large as the photo's effect.
 */
export interface ParityComparison {
  /** Input tensor differences in 0..255 levels. */
  maxLevels: number;
  meanLevels: number;
  relativeOutputChange: number;
}

export interface ParityRow {
  photo: string;
  decoder: string;
  input: string;
  vsExact: ParityComparison;
  vsJimp: ParityComparison;
  /** The jimp path against the exact one: how much a different JPEG decoder alone moves things. */
  jimpVsExact: ParityComparison;
}

function levels(a: Float32Array, b: Float32Array) {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs(a[i] - b[i]) * 255;
    sum += difference;
    if (difference > max) max = difference;
  }
  return { maxLevels: Math.round(max), meanLevels: sum / a.length };
}

/**
 * Mean absolute difference of the scores of two outputs: objectness and classes of YOLOv5's [1, N, 5 + classes]
 * rows, the class rows of YOLOv8's [1, 4 + classes, N] (the rows after the four box rows).
 */
function scoreDifference(a: Float32Array, b: Float32Array, layout: HeadLayout, dims: readonly number[]): number {
  let sum = 0;
  let count = 0;
  if (layout === 'yolov8') {
    for (let i = 4 * dims[2]; i < a.length; i++, count++) sum += Math.abs(a[i] - b[i]);
    return sum / count;
  }
  const columns = dims[2];
  for (let row = 0; row < a.length; row += columns) {
    for (let column = 4; column < columns; column++, count++) sum += Math.abs(a[row + column] - b[row + column]);
  }
  return sum / count;
}

export async function measureParity(photo: BenchPhoto, model: LoadedYoloModel, detector: YoloDetector): Promise<ParityRow> {
  const service = await decodeImage(photo.bytes, { resampleTo: (size) => planLetterbox(size, detector.inputSizeFor(size)).resized });
  const exact = await decodeImage(photo.bytes);
  const jimpImage = (await Jimp.fromBuffer(photo.bytes)).bitmap;
  const jimp: Bitmap = { width: jimpImage.width, height: jimpImage.height, data: jimpImage.data, channels: 4 };
  const grey: Bitmap = { ...exact, data: new Uint8Array(exact.data.length).fill(LETTERBOX_GREY) };
  const input = detector.inputSizeFor(exact.fullSize);
  const geometry = planLetterbox(exact.fullSize, input);
  const tensors = [service, exact, jimp, grey].map((bitmap) => letterboxToTensor(bitmap, geometry, new Float32Array(3 * input.height * input.width)));
  const outputs: Float32Array[] = [];
  let dims: readonly number[] = [];
  for (const data of tensors) {
    const results = await model.session.run({ [model.contract.inputName]: new Tensor('float32', data, [1, 3, input.height, input.width]) });
    const output = results[model.contract.outputName];
    dims = output.dims;
    outputs.push(Float32Array.from(output.data as Float32Array));
    releaseOutputs(results);
  }
  const [serviceOut, exactOut, jimpOut, greyOut] = outputs;
  const compare = (a: number, b: number, reference: Float32Array): ParityComparison => ({
    ...levels(tensors[a], tensors[b]),
    relativeOutputChange:
      scoreDifference(outputs[a], outputs[b], model.contract.headLayout, dims) / scoreDifference(reference, greyOut, model.contract.headLayout, dims),
  });
  return {
    photo: photo.name,
    decoder: service.decoder,
    input: `${input.width}x${input.height}`,
    vsExact: compare(0, 1, exactOut),
    vsJimp: compare(0, 2, jimpOut),
    jimpVsExact: compare(2, 1, exactOut),
  };
}
