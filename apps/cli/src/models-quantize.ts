import { calibrationPhotos, DEFAULT_MODELS_DIR } from '@app/model-store';
import { DEFAULT_PERCENTILE, formatTwinAgreement, hostInt8CpuFeatures, int8FileFor, QUANTIZATION_METADATA_KEY, splitPhotos } from '@app/quantize';
import { AlreadyQuantizedError, quantizeFile } from '@app/quantize/runtime';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { parseCommandLine, positiveIntegerOption, runCommand, UsageError } from './command-line';

const REPO_ROOT = resolve(__dirname, '../../..');
const DEFAULT_PHOTOS = resolve(REPO_ROOT, '../shared/datasets/coco128/images');
const DEFAULT_PHOTO_COUNT = 32;
const DEFAULT_CHECK_COUNT = 16;

const USAGE = `Usage: npm run models:quantize -- --model NAME|FILE [options]

Makes an INT8 twin of a float YOLOv5, YOLOv8 or YOLO11 ONNX export for ONNX Runtime's CPU integer kernels (QDQ
format: int8 weights per output channel, uint8 activations; the first Conv and the Detect head stay float: YOLOv5's
Detect convs and box decoding, YOLOv8/11's box and class convs, DFL and decoding). It runs the float model on a
folder of photos to measure the activations' ranges, runs both models on the next photos to measure how far their
answers agree, then writes <name>-int8.onnx beside the model, with the same input, output and metadata plus a
"${QUANTIZATION_METADATA_KEY}" entry recording these settings and the agreement.

Options:
  --model NAME|FILE  a served model's name (NAME.onnx in $MODELS_DIR, default ${DEFAULT_MODELS_DIR}) or a path to a .onnx file
  --images DIR       calibration photos (default ../shared/datasets/coco128/images)
  --count N          how many of them, in name order (default ${DEFAULT_PHOTO_COUNT})
  --check N          photos after those to measure the agreement on (default ${DEFAULT_CHECK_COUNT}; 0: none)
  --percentile P     activation range: the values between the (100-P)/2 and 100-(100-P)/2 percentiles (default ${DEFAULT_PERCENTILE})
  --out FILE         where to write (default: <name>-int8.onnx beside the model)
  --threads N        ONNX Runtime intra-op threads for the calibration runs (default 2)
  --help             show this text

Example: npm run models:quantize -- --model yolov5n   (any model of the models folder: GET /models lists them)`;

export function resolveModelFile(model: string, modelsDir: string): string {
  if (model.endsWith('.onnx') || model.includes('/')) return resolve(model);
  return resolve(modelsDir, `${model}.onnx`);
}

/** What a --model NAME can be: the models the folder holds, or how to get one. */
function modelsFolderHolds(modelsDir: string): string {
  const names = (existsSync(modelsDir) ? readdirSync(modelsDir) : []).filter((name) => extname(name) === '.onnx').map((name) => basename(name, '.onnx'));
  if (names.length === 0) return 'the models folder holds no model; `npm run models:fetch yolov5s` downloads one, or copy a YOLOv5 .onnx export there';
  return `the models folder holds ${names.sort().join(', ')}; name one of them, or give the path of a .onnx file`;
}

export async function main(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const values = parseCommandLine(argv, {
    model: { type: 'string' },
    images: { type: 'string' },
    count: { type: 'string' },
    check: { type: 'string' },
    percentile: { type: 'string' },
    out: { type: 'string' },
    threads: { type: 'string' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.model) throw new UsageError('--model is required');
  const percentile = values.percentile === undefined ? DEFAULT_PERCENTILE : Number(values.percentile);
  if (!(percentile > 50 && percentile <= 100)) throw new UsageError(`--percentile must be above 50 and at most 100, got "${values.percentile}"`);
  const count = positiveIntegerOption('count', values.count, DEFAULT_PHOTO_COUNT);
  const threads = positiveIntegerOption('threads', values.threads, 2);
  const checkCount = values.check === '0' ? 0 : positiveIntegerOption('check', values.check, DEFAULT_CHECK_COUNT);
  const modelsDir = resolve(env.MODELS_DIR || DEFAULT_MODELS_DIR);
  const file = resolveModelFile(values.model, modelsDir);
  if (!existsSync(file)) throw new UsageError(`no model file ${file}${dirname(file) === modelsDir ? `: ${modelsFolderHolds(modelsDir)}` : ''}`);
  const out = resolve(values.out ?? int8FileFor(file));
  if (out === file) throw new UsageError('--out must not be the model file itself');
  const { calibration: photos, check, heldOut } = splitPhotos(calibrationPhotos(resolve(values.images ?? DEFAULT_PHOTOS), count + checkCount), count, checkCount);
  const started = performance.now();

  const result = await quantizeFile({
    file,
    out,
    photos,
    checkPhotos: check,
    checkHeldOut: heldOut,
    percentile,
    intraOpThreads: threads,
    onPlan: (plan) => {
      console.error(`${basename(file)}: ${plan.quantizedNodes.size} nodes to INT8, ${plan.floatConvs.length} Convs kept float; ${plan.activations.length} activations to calibrate on ${photos.length} photos`);
      console.error(hostInt8CpuFeatures().summary);
    },
    onPhoto: (done, total, photo, ms) => console.error(`calibrating ${done}/${total} ${basename(photo)} (${(ms / 1000).toFixed(1)} s)`),
    onCheck: (done, total) => done === 0 && total > 0 && console.error(`measuring the agreement with the float model on ${total} photos`),
  }).catch((error: unknown) => {
    throw error instanceof AlreadyQuantizedError ? new UsageError(error.message) : error;
  });
  const { contract, agreement } = result;
  if (agreement) console.log(`agreement with ${basename(file)}: ${formatTwinAgreement(agreement)}`);
  console.log(`${out}: ${(result.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s (input ${contract.inputName}, output ${contract.outputName}, ${contract.numClasses} classes)`);
  return 0;
}

runCommand(module, main, USAGE);
