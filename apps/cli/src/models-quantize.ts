import { DEFAULT_MODELS_DIR } from '@app/model-store';
import { DEFAULT_PERCENTILE, hostInt8CpuFeatures, QUANTIZATION_METADATA_KEY } from '@app/quantize';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseCommandLine, positiveIntegerOption, runCommand, UsageError } from './command-line';
import { calibrationPhotos } from './quantize/calibrate';
import { AlreadyQuantizedError, quantizeFile } from './quantize/quantize-file';

const REPO_ROOT = resolve(__dirname, '../../..');
const DEFAULT_PHOTOS = resolve(REPO_ROOT, '../shared/datasets/coco128/images');
const DEFAULT_PHOTO_COUNT = 32;

const USAGE = `Usage: npm run models:quantize -- --model NAME|FILE [options]

Makes an INT8 twin of a float YOLOv5, YOLOv8 or YOLO11 ONNX export for ONNX Runtime's CPU integer kernels (QDQ
format: int8 weights per output channel, uint8 activations; the first Conv and the Detect head stay float: YOLOv5's
Detect convs and box decoding, YOLOv8/11's box and class convs, DFL and decoding). It runs the float model on a
folder of photos to measure the activations' ranges, then writes <name>-int8.onnx beside the model, with the same
input, output and metadata plus a "${QUANTIZATION_METADATA_KEY}" entry recording these settings.

Options:
  --model NAME|FILE  a served model's name (NAME.onnx in $MODELS_DIR, default ${DEFAULT_MODELS_DIR}) or a path to a .onnx file
  --images DIR       calibration photos (default ../shared/datasets/coco128/images)
  --count N          how many of them, in name order (default ${DEFAULT_PHOTO_COUNT})
  --percentile P     activation range: the values between the (100-P)/2 and 100-(100-P)/2 percentiles (default ${DEFAULT_PERCENTILE})
  --out FILE         where to write (default: <name>-int8.onnx beside the model)
  --threads N        ONNX Runtime intra-op threads for the calibration runs (default 2)
  --help             show this text

Example: npm run models:quantize -- --model yolov5n   (any model of the models folder: GET /models lists them)`;

export function resolveModelFile(model: string, modelsDir: string): string {
  if (model.endsWith('.onnx') || model.includes('/')) return resolve(model);
  return resolve(modelsDir, `${model}.onnx`);
}

export function int8FileFor(floatFile: string): string {
  return join(dirname(floatFile), `${basename(floatFile, '.onnx')}-int8.onnx`);
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
  const modelsDir = resolve(env.MODELS_DIR || DEFAULT_MODELS_DIR);
  const file = resolveModelFile(values.model, modelsDir);
  if (!existsSync(file)) throw new UsageError(`no model file ${file}${dirname(file) === modelsDir ? `: ${modelsFolderHolds(modelsDir)}` : ''}`);
  const out = resolve(values.out ?? int8FileFor(file));
  if (out === file) throw new UsageError('--out must not be the model file itself');
  const photos = calibrationPhotos(resolve(values.images ?? DEFAULT_PHOTOS), count);
  const started = performance.now();

  const result = await quantizeFile({
    file,
    out,
    photos,
    percentile,
    intraOpThreads: threads,
    onPlan: (plan) => {
      console.error(`${basename(file)}: ${plan.quantizedNodes.size} nodes to INT8, ${plan.floatConvs.length} Convs kept float; ${plan.activations.length} activations to calibrate on ${photos.length} photos`);
      console.error(hostInt8CpuFeatures().summary);
    },
    onPhoto: (done, total, photo, ms) => console.error(`calibrating ${done}/${total} ${basename(photo)} (${(ms / 1000).toFixed(1)} s)`),
  }).catch((error: unknown) => {
    throw error instanceof AlreadyQuantizedError ? new UsageError(error.message) : error;
  });
  const { contract } = result;
  console.log(`${out}: ${(result.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(1)} s (input ${contract.inputName}, output ${contract.outputName}, ${contract.numClasses} classes)`);
  return 0;
}

runCommand(module, main, USAGE);
