import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { decodeOnnxModel, encodeOnnxModel, writeOnnxFileAtomic } from '@app/onnx-writer';
import { nameUnnamedNodes, planQuantization, QUANTIZATION_METADATA_KEY, QuantizationPlan, quantizeModel, ValueRange } from '@app/quantize';
import { ModelContract } from '@app/vision';
import { loadYoloModel } from '@app/vision/runtime';
import { collectActivationRanges } from './calibrate';

export interface QuantizeFileOptions {
  file: string;
  out: string;
  photos: readonly string[];
  percentile: number;
  intraOpThreads: number;
  /** Told the plan before calibration starts, and each calibrated photo. */
  onPlan?: (plan: QuantizationPlan) => void;
  onPhoto?: (done: number, total: number, photo: string, milliseconds: number) => void;
}

export interface QuantizedFile {
  out: string;
  bytes: number;
  plan: QuantizationPlan;
  /** The written file's contract, as the service's check reads it. */
  contract: ModelContract;
}

export class AlreadyQuantizedError extends Error {}

/**
 * Float model file → calibrated INT8 twin: plans the INT8 region, runs the float model on the photos to measure
 * the planned activations, writes the QDQ model atomically, and opens it with the service's own loader, so a
 * file that would not pass the service's contract check is reported here rather than at serving time.
 */
export async function quantizeFile(options: QuantizeFileOptions): Promise<QuantizedFile> {
  const { file, photos, percentile } = options;
  // Calibrated at the file's own input, the graph that is quantized (a static export's square).
  const { contract, metadata, session } = await loadYoloModel(file, {}, 'fixed');
  await session.release();
  const model = decodeOnnxModel(readFileSync(file));
  if (model.metadataProps.some((entry) => entry.key === QUANTIZATION_METADATA_KEY)) throw new AlreadyQuantizedError(`${file} is already quantized`);
  nameUnnamedNodes(model.graph);
  const plan = planQuantization(model.graph);
  if (plan.quantizedNodes.size === 0) throw new Error(`${file}: found nothing to quantize (no chain of Convs between the input and the output)`);
  options.onPlan?.(plan);

  const collector = await collectActivationRanges({
    model,
    contract,
    stride: metadata.stride,
    tensors: plan.activations,
    photos,
    intraOpThreads: options.intraOpThreads,
    onPhoto: options.onPhoto,
  });
  const ranges = new Map<string, ValueRange>(plan.activations.map((tensor) => [tensor, collector.range(tensor, percentile)]));
  const quantized = quantizeModel(model, plan, ranges, {
    source: basename(file),
    calibration: { method: 'percentile', percentile, images: photos.length },
  });
  const bytes = writeOnnxFileAtomic(options.out, encodeOnnxModel(quantized));
  const check = await loadYoloModel(options.out);
  await check.session.release();
  return { out: options.out, bytes, plan, contract: check.contract };
}
