import { readFileSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { decodeOnnxModel, encodeOnnxModel, writeOnnxFileAtomic } from '@app/onnx-writer';
import { AGREEMENT_IOU_THRESHOLD, BoxAgreement, boxAgreement, DEFAULT_DETECT_OPTIONS, ModelContract } from '@app/vision';
import { loadYoloModel, YoloDetector } from '@app/vision/runtime';
import { ValueRange } from './activation-ranges';
import { collectActivationRanges } from './calibrate';
import { QUANTIZATION_METADATA_KEY, quantizeModel } from './qdq-transform';
import { nameUnnamedNodes, planQuantization, QuantizationPlan, QuantizationPlanOptions } from './quantization-plan';
import { recordTwinAgreement } from './quantization-record';
import { TwinAgreement, pooledTwinAgreement } from './twin-agreement';

export interface QuantizeFileOptions {
  file: string;
  out: string;
  photos: readonly string[];
  /** Photos the float model and the twin both run on, to record how far they agree (none: no agreement recorded). */
  checkPhotos: readonly string[];
  /** Whether checkPhotos are others than the calibration photos. */
  checkHeldOut: boolean;
  percentile: number;
  intraOpThreads: number;
  /** Which nodes run in INT8 beyond the defaults (planQuantization's options). */
  plan?: QuantizationPlanOptions;
  /** Told the plan before calibration starts, and each calibrated photo. */
  onPlan?: (plan: QuantizationPlan) => void;
  onPhoto?: (done: number, total: number, photo: string, milliseconds: number) => void;
  /** Told before each check photo (done = photos measured so far), and once with 0 of 0 when there are none. */
  onCheck?: (done: number, total: number) => void;
}

export interface QuantizedFile {
  out: string;
  bytes: number;
  plan: QuantizationPlan;
  /** The written file's contract, as the service's check reads it. */
  contract: ModelContract;
  agreement: TwinAgreement | null;
}

export class AlreadyQuantizedError extends Error {}

/**
 * Float model file → calibrated INT8 twin: plans the INT8 region, runs the float model on the photos to measure
 * the planned activations, then opens the QDQ model with the service's own loader (so a file that would not pass the
 * service's contract check is reported here rather than at serving time), runs it and the float model on the check
 * photos, and writes it atomically with their agreement in its record.
 */
export async function quantizeFile(options: QuantizeFileOptions): Promise<QuantizedFile> {
  const { file, photos, percentile } = options;
  // Calibrated at the file's own input, the graph that is quantized (a static export's square).
  const { contract, metadata, session } = await loadYoloModel(file, {}, 'fixed');
  await session.release();
  const model = decodeOnnxModel(readFileSync(file));
  if (model.metadataProps.some((entry) => entry.key === QUANTIZATION_METADATA_KEY)) throw new AlreadyQuantizedError(`${file} is already quantized`);
  nameUnnamedNodes(model.graph);
  const plan = planQuantization(model.graph, options.plan);
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
  // Not *.onnx until measured: a service watching the folder must not serve a twin without its record.
  const unchecked = `${options.out}.unchecked`;
  writeOnnxFileAtomic(unchecked, encodeOnnxModel(quantized));
  try {
    const { agreement, contract: twinContract } = await measureAgreement(file, unchecked, options);
    if (agreement.photos > 0) recordTwinAgreement(quantized, agreement);
    const bytes = writeOnnxFileAtomic(options.out, encodeOnnxModel(quantized));
    return { out: options.out, bytes, plan, contract: twinContract, agreement: agreement.photos > 0 ? agreement : null };
  } finally {
    rmSync(unchecked, { force: true });
  }
}

/** Both models through the service's pipeline at the default request settings, their boxes matched per photo. */
async function measureAgreement(floatFile: string, twinFile: string, options: QuantizeFileOptions): Promise<{ agreement: TwinAgreement; contract: ModelContract }> {
  const sessionOptions = { intraOpNumThreads: options.intraOpThreads };
  const float = new YoloDetector(await loadYoloModel(floatFile, sessionOptions));
  const twinModel = await loadYoloModel(twinFile, sessionOptions).catch(async (error: unknown) => {
    await float.release();
    throw error;
  });
  const twin = new YoloDetector(twinModel);
  try {
    const perPhoto: BoxAgreement[] = [];
    if (options.checkPhotos.length === 0) options.onCheck?.(0, 0);
    for (const [index, photo] of options.checkPhotos.entries()) {
      options.onCheck?.(index, options.checkPhotos.length);
      const bytes = readFileSync(photo);
      const a = await float.detect(bytes, DEFAULT_DETECT_OPTIONS);
      const b = await twin.detect(bytes, DEFAULT_DETECT_OPTIONS);
      perPhoto.push(boxAgreement(a.detections, b.detections, AGREEMENT_IOU_THRESHOLD));
    }
    const agreement = pooledTwinAgreement(perPhoto, {
      heldOut: options.checkHeldOut,
      confidenceThreshold: DEFAULT_DETECT_OPTIONS.confidenceThreshold,
      iouThreshold: AGREEMENT_IOU_THRESHOLD,
    });
    return { agreement, contract: twinModel.contract };
  } finally {
    await Promise.all([float.release(), twin.release()]);
  }
}
