import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Presets, SingleBar } from 'cli-progress';
import { evaluateDetections, EvaluatedImage, parseYoloLabels, precisionRecall, ScoredDetection } from '@app/accuracy';
import { DEFAULT_DETECT_OPTIONS, DEFAULT_INFERENCE_SIZE, Detection, DetectOptions } from '@app/vision';
import { detectorSessionOptions, loadYoloModel, YoloDetector } from '@app/vision/runtime';
import { readDetectorConfig } from '../../detector/src/config/detector-config';
import { parseCommandLine, runCommand, UsageError } from './command-line';
import { readLabelledFolder } from './bench/accuracy-dataset';
import { AccuracyResults, OLD_PIPELINE_COCO128, REFERENCE_WEIGHTS_SHA256, renderAccuracyMarkdown } from './bench/accuracy-report';
import { thisMachine, writeBenchmarksRegion } from './bench/benchmarks-doc';

const REPO_ROOT = resolve(__dirname, '../../..');
const DEFAULT_DATA = resolve(REPO_ROOT, '../shared/datasets/coco128');
const DEFAULT_MODEL = resolve(REPO_ROOT, '../shared/models/yolov5n.onnx');
/** ultralytics val.py's settings for mAP, which the reference figures were measured with. */
const EVALUATION = { confidence: 0.001, iou: 0.6, maxDetections: 300 };

const USAGE = `Usage: npm run bench:accuracy -- [options]

Runs a YOLO ONNX model (any head layout: YOLOv5, YOLOv8/YOLO11, end-to-end) through the service's own pipeline
(decode, letterbox, ONNX Runtime, per-class NMS unless the graph did it, boxes in original pixels) over a folder of
labelled images and prints COCO-style mAP@0.5 and mAP@0.5:0.95 (integer boxes, as /predict answers by default, and
float boxes, as with float_boxes), precision and recall at the service's defaults, AP per class present, images/s,
and reference figures beside them (coco128 only): Ultralytics' for ../shared/models/ultralytics/yolov8n-int8-dynamic.onnx,
the old pipeline's for any other file. The defaults are Ultralytics' evaluation settings (a fixed-input model,
such as a static YOLOv8 export, runs at its square; a dynamic one at the stride-multiple rectangle of --size).

Options:
  --model FILE   the ONNX model (default ../shared/models/yolov5n.onnx)
  --data DIR     a folder with images/ and labels/ in YOLO format (default ../shared/datasets/coco128)
  --size N       inference size, the longest side (default ${DEFAULT_INFERENCE_SIZE}; e.g. 480, 416, 320). A model with
                 a fixed input runs at that input only.
  --conf X       evaluation confidence threshold (default ${EVALUATION.confidence})
  --iou X        evaluation NMS IoU threshold (default ${EVALUATION.iou})
  --max N        evaluation boxes per image at most (default ${EVALUATION.maxDetections})
  --out DIR      where accuracy-<model>-<size>.json and .md go (default bench/results)
  --help         show this text

ORT_INTRA_OP_THREADS sets the threads of the run, as for the service.`;

const log = (message: string) => process.stderr.write(`[bench:accuracy] ${message}\n`);

function numberOption(name: string, text: string | undefined, fallback: number, valid: (value: number) => boolean, wanted: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !valid(value)) throw new UsageError(`--${name} must be ${wanted}, got "${text}"`);
  return value;
}

/** A detection as the accuracy lib reads it: the class index in the model's names. */
function scored(detection: Detection, names: readonly string[]): ScoredDetection {
  return { classIndex: names.indexOf(detection.class_name), confidence: detection.confidence, x1: detection.x_min, y1: detection.y_min, x2: detection.x_max, y2: detection.y_max };
}

/** A progress bar on stderr; off a terminal, one plain line every few seconds. */
function progressBar(total: number): SingleBar {
  const bar = new SingleBar(
    { stream: process.stderr, format: '[bench:accuracy] {bar} {value}/{total} images | {rate} images/s | ETA {eta_formatted}', noTTYOutput: true, notTTYSchedule: 5000 },
    Presets.shades_classic,
  );
  bar.start(total, 0, { rate: '–' });
  return bar;
}

/** The dataset folder's images; a folder that is not one is a usage error (message and usage, no stack trace). */
function labelledFolderOrUsage(folder: string) {
  try {
    return readLabelledFolder(folder);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const values = parseCommandLine(argv, {
    model: { type: 'string' },
    data: { type: 'string' },
    size: { type: 'string' },
    conf: { type: 'string' },
    iou: { type: 'string' },
    max: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const modelFile = resolve(values.model ?? DEFAULT_MODEL);
  const dataFolder = resolve(values.data ?? DEFAULT_DATA);
  if (!existsSync(modelFile)) throw new UsageError(`No model file at ${modelFile}`);
  const fraction = (value: number) => value >= 0 && value <= 1;
  const evaluation = {
    confidence: numberOption('conf', values.conf, EVALUATION.confidence, fraction, 'a number from 0 to 1'),
    iou: numberOption('iou', values.iou, EVALUATION.iou, fraction, 'a number from 0 to 1'),
    maxDetections: numberOption('max', values.max, EVALUATION.maxDetections, (value) => Number.isInteger(value) && value > 0, 'a positive integer'),
  };
  const outDir = resolve(values.out ?? join(REPO_ROOT, 'bench/results'));
  const files = labelledFolderOrUsage(dataFolder);

  const { intraOpThreads } = readDetectorConfig();
  const model = await loadYoloModel(modelFile, detectorSessionOptions(intraOpThreads));
  try {
    const { contract, metadata } = model;
    const fixedInput = contract.inputHeight !== null && contract.inputWidth !== null ? { height: contract.inputHeight, width: contract.inputWidth } : null;
    const size = numberOption('size', values.size, fixedInput ? Math.max(fixedInput.height, fixedInput.width) : DEFAULT_INFERENCE_SIZE, (value) => Number.isInteger(value) && value >= metadata.stride && value % metadata.stride === 0, `a multiple of the model's stride ${metadata.stride}`);
    if (fixedInput && size !== Math.max(fixedInput.height, fixedInput.width)) {
      throw new UsageError(`${basename(modelFile)} has a fixed ${fixedInput.width}x${fixedInput.height} input: --size applies to dynamic models only (export with --dynamic)`);
    }
    const detector = new YoloDetector(model, size);
    const sha256 = createHash('sha256').update(readFileSync(modelFile)).digest('hex');
    log(`${basename(modelFile)} (${fixedInput ? `${fixedInput.width}x${fixedInput.height}` : `${model.shape.reason}, size ${size}`}) on ${files.length} images of ${dataFolder}, ${intraOpThreads} intra-op thread(s)`);

    const evaluationOptions: DetectOptions = { confidenceThreshold: evaluation.confidence, iouThreshold: evaluation.iou, maxDetections: evaluation.maxDetections, classes: null };
    const integerImages: EvaluatedImage[] = [];
    const floatImages: EvaluatedImage[] = [];
    const defaultImages: EvaluatedImage[] = [];
    const time = { evaluation: 0, defaults: 0 };
    const started = performance.now();
    const bar = progressBar(files.length);
    try {
      for (const [index, file] of files.entries()) {
        const bytes = readFileSync(file.imagePath);
        // Each run is the whole /predict path from the encoded bytes: decoding is part of what is measured.
        const detect = async (options: DetectOptions, timed: keyof typeof time | null) => {
          const begun = performance.now();
          const outcome = await detector.detect(bytes, options);
          if (timed) time[timed] += performance.now() - begun;
          return outcome;
        };
        const integer = await detect({ ...evaluationOptions, floatBoxes: false }, 'evaluation');
        const float = await detect({ ...evaluationOptions, floatBoxes: true }, null);
        const atDefaults = await detect(DEFAULT_DETECT_OPTIONS, 'defaults');
        let labels;
        try {
          labels = parseYoloLabels(file.labelText, integer.image);
        } catch (error) {
          throw new Error(`labels of ${file.name}: ${(error as Error).message}`);
        }
        const unknownClass = labels.find((label) => label.classIndex >= metadata.names.length);
        if (unknownClass) throw new Error(`labels of ${file.name}: class ${unknownClass.classIndex}, but ${basename(modelFile)} has ${metadata.names.length} classes`);
        integerImages.push({ labels, detections: integer.detections.map((d) => scored(d, metadata.names)) });
        floatImages.push({ labels, detections: float.detections.map((d) => scored(d, metadata.names)) });
        defaultImages.push({ labels, detections: atDefaults.detections.map((d) => scored(d, metadata.names)) });
        bar.update(index + 1, { rate: ((index + 1) / (time.evaluation / 1000)).toFixed(1) });
      }
    } finally {
      bar.stop();
    }

    const integer = evaluateDetections(integerImages);
    const onCoco128 = basename(dataFolder) === 'coco128';
    const results: AccuracyResults = {
      date: new Date().toISOString().slice(0, 10),
      model: { file: modelFile, sha256, input: fixedInput ? `${fixedInput.width}x${fixedInput.height}` : model.shape.reason === 'dynamic-export' ? 'dynamic' : 'static, rewritten to dynamic', classes: metadata.names.length },
      data: {
        folder: dataFolder,
        images: files.length,
        labelledObjects: integerImages.reduce((sum, image) => sum + image.labels.length, 0),
        classesPresent: integer.classes.length,
      },
      settings: { size, evaluation, defaults: { confidence: DEFAULT_DETECT_OPTIONS.confidenceThreshold, iou: DEFAULT_DETECT_OPTIONS.iouThreshold } },
      integer,
      float: evaluateDetections(floatImages),
      atDefaults: precisionRecall(defaultImages),
      imagesPerSecond: { evaluation: files.length / (time.evaluation / 1000), defaults: files.length / (time.defaults / 1000) },
      reference: onCoco128 ? { figures: REFERENCE_WEIGHTS_SHA256[sha256]?.figures ?? OLD_PIPELINE_COCO128, sameWeights: sha256 in REFERENCE_WEIGHTS_SHA256, sameSize: size === DEFAULT_INFERENCE_SIZE } : null,
      durationS: (performance.now() - started) / 1000,
    };
    const markdown = renderAccuracyMarkdown(results, metadata.names);
    const stem = `accuracy-${basename(modelFile, extname(modelFile))}-${size}`;
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, `${stem}.json`), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(join(outDir, `${stem}.md`), markdown);
    console.log(markdown);
    log(`wrote ${join(outDir, `${stem}.json`)} and .md`);
    const doc = writeBenchmarksRegion(stem, renderAccuracyMarkdown(results, metadata.names, { perClass: false }), { date: results.date, machine: thisMachine(), command: 'npm run bench:accuracy' });
    log(`updated ${doc} (${stem})`);
    return 0;
  } finally {
    await model.session.release();
  }
}

runCommand(module, main, USAGE);
